import ddt

from nova.sim import libvirt
from nova.sim import model
from nova.tests.unit.sim import helpers

MiB = helpers.MiB
POSTCOPY_FLAGS = helpers.BASE_FLAGS | libvirt.VIR_MIGRATE_POSTCOPY


@ddt.ddt
class PostcopyTestCase(helpers.SimTestCase):

    def setUp(self):
        super(PostcopyTestCase, self).setUp()
        self.dom = self.make_domain(model.Workload(**helpers.BUSY))

    def test_needs_the_flag(self):
        run = self.migrate(self.dom)
        run.drive(5)
        exc = self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                      self.dom.migrateStartPostCopy)
        self.assertIn('post-copy migration was not enabled', str(exc))
        self.assertFalse(run.drive(2))
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, self.dom.state()[0])

    def test_completes_with_small_downtime(self):
        run = self.migrate(self.dom, flags=POSTCOPY_FLAGS)
        run.drive(10)
        remaining = self.exact_remaining()
        self.dom.migrateStartPostCopy()
        self.assertEqual([libvirt.VIR_DOMAIN_PAUSED,
                          libvirt.VIR_DOMAIN_PAUSED_POSTCOPY],
                         self.dom.state())
        self.assertEqual([libvirt.VIR_DOMAIN_RUNNING,
                          libvirt.VIR_DOMAIN_RUNNING_POSTCOPY],
                         self.dst_conn.lookupByName('vm1').state())
        exc = self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                      self.dom.abortJob)
        self.assertIn('cannot abort migration in post-copy mode', str(exc))
        self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                self.dom.migrateStartPostCopy)
        self.assertTrue(run.drive(5, step=0.1))
        self.assertTrue(run.returned)
        final = self.dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        self.assertEqual(libvirt.VIR_DOMAIN_JOB_COMPLETED, final['type'])
        self.assertLess(final['downtime'], 60)
        self.assertGreater(final['memory_postcopy_requests'], 0)
        self.assertLessEqual(final['memory_postcopy_requests'],
                             remaining // 4096)
        self.assertEqual([libvirt.VIR_DOMAIN_RUNNING,
                          libvirt.VIR_DOMAIN_RUNNING_MIGRATED],
                         self.dst_conn.lookupByName('vm1').state())

    def switched(self):
        """A busy guest's migration, 10 s in, just switched to post-copy."""
        run = self.migrate(self.dom, flags=POSTCOPY_FLAGS)
        run.drive(10)
        self.dom.migrateStartPostCopy()
        run.drive(0.1)
        return run

    def test_destination_failure_in_postcopy_loses_guest(self):
        run = self.switched()
        self.network.fail_host(helpers.DST_URI)
        self.assertTrue(run.drive(2))
        self.assertFalse(run.returned)
        self.assertEqual(libvirt.VIR_ERR_OPERATION_FAILED,
                         run.error.get_error_code())
        self.assertIn('domain lost', str(run.error))
        self.assertEqual([libvirt.VIR_DOMAIN_SHUTOFF,
                          libvirt.VIR_DOMAIN_SHUTOFF_CRASHED],
                         self.src_conn.lookupByName('vm1').state())
        self.assertIsNone(self.dst.get_domain('vm1'))
        final = self.dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        self.assertEqual(libvirt.VIR_DOMAIN_JOB_FAILED, final['type'])

    def test_short_drop_in_postcopy_is_survived(self):
        # It used to lose the guest at once.
        run = self.switched()
        self.network.drop_link(helpers.SRC_URI, helpers.DST_URI, 20)
        self.assertFalse(run.drive(19))
        self.assertTrue(run.drive(10))
        self.assertTrue(run.returned)
        self.assertEqual([libvirt.VIR_DOMAIN_RUNNING,
                          libvirt.VIR_DOMAIN_RUNNING_MIGRATED],
                         self.dst_conn.lookupByName('vm1').state())

    def paused_postcopy(self):
        run = self.switched()
        self.network.drop_link(helpers.SRC_URI, helpers.DST_URI, 60)
        self.assertTrue(run.drive(40))
        return run

    def test_long_drop_pauses_postcopy_until_resumed(self):
        run = self.paused_postcopy()
        self.assertFalse(run.returned)
        self.assertEqual(libvirt.VIR_ERR_OPERATION_FAILED,
                         run.error.get_error_code())
        self.assertIn('VIR_MIGRATE_POSTCOPY_RESUME', str(run.error))
        self.assertEqual([libvirt.VIR_DOMAIN_PAUSED,
                          libvirt.VIR_DOMAIN_PAUSED_POSTCOPY_FAILED],
                         self.dom.state())
        dest = self.dst_conn.lookupByName('vm1')
        self.assertEqual([libvirt.VIR_DOMAIN_RUNNING,
                          libvirt.VIR_DOMAIN_RUNNING_POSTCOPY_FAILED],
                         dest.state())
        self.assertEqual({'type': 0}, self.dom.jobStats())
        final = self.dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        self.assertEqual(libvirt.VIR_DOMAIN_JOB_FAILED, final['type'])
        self.assertIn('keepalive', final['errmsg'])
        self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                self.dom.resume)
        # Resuming needs POSTCOPY too, and a link.
        resume = POSTCOPY_FLAGS | libvirt.VIR_MIGRATE_POSTCOPY_RESUME
        self.assertLibvirtError(
            libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, self.dom.migrateToURI3,
            helpers.DST_URI, {},
            helpers.BASE_FLAGS | libvirt.VIR_MIGRATE_POSTCOPY_RESUME)
        exc = self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_FAILED,
                                      self.dom.migrateToURI3,
                                      helpers.DST_URI, {}, resume)
        self.assertIn('link is down', str(exc))
        self.network.clock.sleep(30)
        again = self.migrate(self.dom, flags=resume)
        self.assertTrue(again.drive(30))
        self.assertTrue(again.returned)
        self.assertEqual([libvirt.VIR_DOMAIN_RUNNING,
                          libvirt.VIR_DOMAIN_RUNNING_MIGRATED],
                         dest.state())
        self.assertEqual([], self.network.jobs)
        report = self.network.finished_jobs[-1].model.guest_report()
        # The guest stalled while no page could come.
        self.assertGreater(report['stop_s'], 60)

    def test_nothing_to_resume(self):
        exc = self.assertLibvirtError(
            libvirt.VIR_ERR_OPERATION_INVALID, self.dom.migrateToURI3,
            helpers.DST_URI, {},
            POSTCOPY_FLAGS | libvirt.VIR_MIGRATE_POSTCOPY_RESUME)
        self.assertIn('no paused post-copy', str(exc))

    def test_paused_postcopy_lost_when_destination_destroyed(self):
        self.paused_postcopy()
        self.dst_conn.lookupByName('vm1').destroy()
        self.assertEqual([libvirt.VIR_DOMAIN_SHUTOFF,
                          libvirt.VIR_DOMAIN_SHUTOFF_CRASHED],
                         self.dom.state())
        self.assertEqual([], self.network.jobs)
        self.assertEqual(model.LOST, self.network.finished_jobs[-1].model.mode)

    def test_old_libvirt_loses_guest_on_long_drop(self):
        self.src.lib_version = 8004000
        run = self.paused_postcopy()
        self.assertIn('domain lost', str(run.error))
        self.assertIn('cannot resume', str(run.error))
        self.assertEqual([libvirt.VIR_DOMAIN_SHUTOFF,
                          libvirt.VIR_DOMAIN_SHUTOFF_CRASHED],
                         self.dom.state())

    def test_tunnelled_postcopy_refused(self):
        flags = POSTCOPY_FLAGS | libvirt.VIR_MIGRATE_TUNNELLED
        self.assertLibvirtError(
            libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, self.dom.migrateToURI3,
            helpers.DST_URI, {}, flags)


@ddt.ddt
class JobControlTestCase(helpers.SimTestCase):

    def test_no_job(self):
        dom = self.make_domain()
        self.assertEqual({'type': 0}, dom.jobStats())
        self.assertEqual({'type': 0}, dom.jobStats(
            libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED))
        self.assertEqual([0] * 12, dom.jobInfo())
        for call, args in ((dom.migrateSetMaxDowntime, (500,)),
                           (dom.migrateGetMaxDowntime, ()),
                           (dom.migrateSetMaxSpeed, (100,)),
                           (dom.abortJob, ()),
                           (dom.migrateStartPostCopy, ())):
            exc = self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                          call, *args)
            self.assertIn('not valid', str(exc))

    @ddt.data((0, set()), (libvirt.VIR_MIGRATE_AUTO_CONVERGE,
                           {'auto_converge_throttle'}),
              (libvirt.VIR_MIGRATE_NON_SHARED_DISK, helpers.DISK_KEYS))
    @ddt.unpack
    def test_stats_keys(self, extra_flags, extra_keys):
        dom = self.make_domain(model.Workload(4096, 16, 1.0, disk_gb=1))
        run = self.migrate(dom, flags=helpers.BASE_FLAGS | extra_flags)
        stats = dom.jobStats()
        self.assertEqual(helpers.BASE_KEYS | extra_keys, set(stats))
        self.assertEqual(libvirt.VIR_DOMAIN_JOB_UNBOUNDED, stats['type'])
        self.assertEqual(4096, stats['memory_page_size'])
        self.assertTrue(all(isinstance(v, int) for v in stats.values()))
        run.drive(1)
        info = dom.jobInfo()
        stats = dom.jobStats()
        self.assertEqual(12, len(info))
        self.assertEqual([stats['type'], stats['time_elapsed'],
                          stats['time_remaining'], stats['data_total'],
                          stats['data_processed'], stats['data_remaining'],
                          stats['memory_total'], stats['memory_processed'],
                          stats['memory_remaining']], info[:9])
        self.assertEqual([stats.get(k, 0) for k in (
            'disk_total', 'disk_processed', 'disk_remaining')], info[9:])
        self.assertTrue(run.drive(30))
        final = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        self.assertEqual(
            helpers.BASE_KEYS | extra_keys | {'downtime'}, set(final))

    def test_bad_requests(self):
        dom = self.make_domain()
        flags = helpers.BASE_FLAGS
        self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_FAILED,
                                dom.migrateToURI3, 'sim://x/system', {},
                                flags)
        self.assertLibvirtError(libvirt.VIR_ERR_INTERNAL_ERROR,
                                dom.migrateToURI3, helpers.SRC_URI, {}, flags)
        self.assertLibvirtError(libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED,
                                dom.migrateToURI3, helpers.DST_URI, {},
                                flags & ~libvirt.VIR_MIGRATE_LIVE)
        self.assertLibvirtError(libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED,
                                dom.migrateToURI3, helpers.DST_URI, {},
                                flags & ~libvirt.VIR_MIGRATE_PEER2PEER)
        dom.destroy()
        self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                dom.migrateToURI3, helpers.DST_URI, {}, flags)
        self.assertEqual({'type': 0}, dom.jobStats())
        self.assertEqual([], self.network.jobs)
        self.assertEqual([], self.network.clock.tickers)

    def test_second_job_and_active_destination_refused(self):
        dom = self.make_domain()
        self.migrate(dom)
        self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                dom.migrateToURI3, helpers.DST_URI, {},
                                helpers.BASE_FLAGS)
        other = self.make_domain(name='vm2')
        self.dst_conn.createXML(helpers.domain_xml(
            'vm2', uuid=other.UUIDString()))
        self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                other.migrateToURI3, helpers.DST_URI, {},
                                helpers.BASE_FLAGS)

    def test_destroy_during_migration(self):
        dom = self.make_domain(model.Workload(**helpers.BUSY))
        run = self.migrate(dom)
        run.drive(2)
        dom.destroy()
        self.assertTrue(run.drive(1))
        self.assertEqual(libvirt.VIR_ERR_OPERATION_FAILED,
                         run.error.get_error_code())
        self.assertEqual([libvirt.VIR_DOMAIN_SHUTOFF,
                          libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED], dom.state())
        self.assertIsNone(self.dst.get_domain('vm1'))

    def test_workload_change_mid_migration(self):
        dom = self.make_domain(model.Workload(**helpers.BUSY))
        run = self.migrate(dom)
        self.assertFalse(run.drive(20))
        dom.simSetWorkload(model.Workload.idle(4096))
        self.assertIs(self.src, dom.simGetHost())
        self.assertTrue(run.drive(5))
        self.assertTrue(run.returned)
        self.assertEqual(4096, self.dst_conn.lookupByName('vm1')
                         .simGetWorkload().ram_mb)
