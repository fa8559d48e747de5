import math

import ddt

from nova.sim import libvirt
from nova.sim import links
from nova.sim import model
from nova.tests.unit.sim import helpers

MiB = helpers.MiB
BASE_KEYS = helpers.BASE_KEYS
DISK_KEYS = helpers.DISK_KEYS


@ddt.ddt
class PrecopyMigrationTestCase(helpers.SimTestCase):

    def test_idle_guest(self):
        dom = self.make_domain()
        seen = []

        def look(now, stats):
            dest = self.dst.get_domain('vm1')
            seen.append((dest.state, dest.reason, stats['memory_iteration']))
        run = self.migrate(dom)
        self.assertTrue(run.drive(30, on_step=look))
        self.assertTrue(run.returned)
        self.assertIsNone(run.error)
        self.assertIn((libvirt.VIR_DOMAIN_PAUSED,
                       libvirt.VIR_DOMAIN_PAUSED_MIGRATION, 1), seen)
        final = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        self.assertEqual(libvirt.VIR_DOMAIN_JOB_COMPLETED, final['type'])
        self.assertAlmostEqual(4096 / 1250.0 * 1000, final['time_elapsed'],
                               delta=300)
        self.assertLessEqual(final['downtime'], 350)
        self.assertEqual(0, final['memory_remaining'])
        self.assertEqual(4096 * MiB, final['memory_total'])
        self.assertEqual({'type': 0}, dom.jobStats())
        # The guest now lives on the destination only.
        moved = self.dst_conn.lookupByName('vm1')
        self.assertEqual([libvirt.VIR_DOMAIN_RUNNING,
                          libvirt.VIR_DOMAIN_RUNNING_MIGRATED], moved.state())
        self.assertEqual(1, moved.isPersistent())
        self.assertEqual(dom.UUIDString(), moved.UUIDString())
        self.assertLibvirtError(libvirt.VIR_ERR_NO_DOMAIN,
                                self.src_conn.lookupByName, 'vm1')
        self.assertLibvirtError(libvirt.VIR_ERR_NO_DOMAIN, dom.state)

    def test_keep_source_definition_and_dest_xml(self):
        dom = self.make_domain()
        new_xml = helpers.domain_xml(uuid=dom.UUIDString(), vcpus=7)
        # A URI naming the host resolves even if not registered verbatim.
        run = self.migrate(dom, params={'destination_xml': new_xml},
                           flags=libvirt.VIR_MIGRATE_LIVE |
                           libvirt.VIR_MIGRATE_PEER2PEER,
                           dconnuri='sim://dst')
        self.assertTrue(run.drive(30))
        self.assertEqual([libvirt.VIR_DOMAIN_SHUTOFF,
                          libvirt.VIR_DOMAIN_SHUTOFF_MIGRATED], dom.state())
        moved = self.dst_conn.lookupByName('vm1')
        self.assertEqual(0, moved.isPersistent())
        self.assertEqual(new_xml, moved.XMLDesc())
        self.assertEqual(7, moved.info()[3])

    def test_reported_remaining_saw_tooths_like_qemu(self):
        # 1 GiB written at 80 MiB/s over a 100 MiB/s link: slow passes.
        dom = self.make_domain(model.Workload(ram_mb=1024, wws_mb=1024,
                                              dirty_rate_mbps=80),
                               memory_gib=1)
        samples = []
        run = self.migrate(dom, params={'bandwidth': 100})
        run.drive(20, on_step=lambda now, s: samples.append(
            (s['memory_iteration'], s['memory_remaining'])))
        rises = [(a, b) for a, b in zip(samples, samples[1:])
                 if b[1] > a[1]]
        # The bitmap count only rises at a sync, i.e. with a new pass ...
        self.assertGreater(len(rises), 1)
        self.assertTrue(all(b[0] > a[0] for a, b in rises))
        # ... and within a pass it only falls.
        same_pass = [(a, b) for a, b in zip(samples, samples[1:])
                     if a[0] == b[0]]
        self.assertTrue(all(b[1] <= a[1] for a, b in same_pass))

    def test_busy_guest_plateaus_until_downtime_raised(self):
        dom = self.make_domain(model.Workload(**helpers.BUSY))
        samples = []
        run = self.migrate(dom)
        self.assertFalse(run.drive(
            600, on_step=lambda now, s: samples.append(
                (now, s['memory_iteration'], self.exact_remaining()))))
        self.assertIsNone(run.error)
        iterations = [it for _t, it, _r in samples]
        self.assertEqual(sorted(iterations), iterations)
        self.assertGreater(iterations[-1], 500)
        late = [rem for t, _i, rem in samples if t > 300]
        early = [rem for t, _i, rem in samples if 10 < t <= 300]
        threshold = 1250 * 0.3 * MiB
        self.assertGreater(min(late), threshold)
        self.assertLess(max(late), 1024 * MiB)
        self.assertAlmostEqual(sum(early) / len(early),
                               sum(late) / len(late), delta=0.1 * 1024 * MiB)
        self.assertEqual(300, dom.migrateGetMaxDowntime())

        downtime = int(math.ceil(1024 / 1250.0 * 1000))
        dom.migrateSetMaxDowntime(downtime)
        self.assertEqual(downtime, dom.migrateGetMaxDowntime())
        self.assertTrue(run.drive(5))
        self.assertTrue(run.returned)
        final = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        self.assertLessEqual(final['downtime'], downtime + 50)
        self.assertGreater(final['downtime'], 300)

    def test_auto_converge(self):
        dom = self.make_domain(model.Workload(**helpers.BUSY))
        throttles = []
        run = self.migrate(dom, flags=helpers.BASE_FLAGS |
                           libvirt.VIR_MIGRATE_AUTO_CONVERGE)
        self.assertTrue(run.drive(120, on_step=lambda now, s: throttles.append(
            s['auto_converge_throttle'])))
        self.assertTrue(run.returned)
        steps = sorted(set(throttles) - {0})
        self.assertEqual(20, steps[0])
        self.assertEqual(list(range(20, steps[-1] + 1, 10)), steps)
        self.assertEqual(sorted(throttles), throttles)
        final = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        self.assertEqual(steps[-1], final['auto_converge_throttle'])
        self.assertLess(final['time_elapsed'], 60000)

    def test_auto_converge_cannot_slow_io_bound_guest(self):
        dom = self.make_domain(model.Workload(
            ram_mb=4096, wws_mb=1024, dirty_rate_mbps=4096,
            cpu_bound_fraction=0.3))
        run = self.migrate(dom, flags=helpers.BASE_FLAGS |
                           libvirt.VIR_MIGRATE_AUTO_CONVERGE)
        self.assertFalse(run.drive(200))
        stats = dom.jobStats()
        self.assertEqual(99, stats['auto_converge_throttle'])
        self.assertGreater(self.exact_remaining(), 1250 * 0.3 * MiB)
        # ...but pausing the guest does.
        dom.suspend()
        self.assertTrue(run.drive(5))
        self.assertTrue(run.returned)
        # Paused during the migration, not at its start: libvirt resumes
        # the guest on the destination.
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING,
                         self.dst_conn.lookupByName('vm1').state()[0])

    def test_guest_paused_at_start_stays_paused(self):
        dom = self.make_domain(model.Workload(**helpers.BUSY))
        dom.suspend()
        run = self.migrate(dom)
        self.assertTrue(run.drive(10))
        self.assertEqual([libvirt.VIR_DOMAIN_PAUSED,
                          libvirt.VIR_DOMAIN_PAUSED_USER],
                         self.dst_conn.lookupByName('vm1').state())

    @ddt.data(False, True)
    def test_abort_in_precopy(self, paused):
        dom = self.make_domain(model.Workload(**helpers.BUSY))
        run = self.migrate(dom)
        self.assertFalse(run.drive(5))
        if paused:
            dom.suspend()
        dom.abortJob()
        self.assertTrue(run.drive(1))
        self.assertFalse(run.returned)
        self.assertEqual(libvirt.VIR_ERR_OPERATION_ABORTED,
                         run.error.get_error_code())
        self.assertIn('canceled by client', str(run.error))
        expected = ([libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER]
                    if paused else
                    [libvirt.VIR_DOMAIN_RUNNING,
                     libvirt.VIR_DOMAIN_RUNNING_MIGRATION_CANCELED])
        self.assertEqual(expected, dom.state())
        self.assertIsNone(self.dst.get_domain('vm1'))
        self.assertEqual([], self.dst_conn.listAllDomains())
        final = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        self.assertEqual(libvirt.VIR_DOMAIN_JOB_CANCELLED, final['type'])
        # The guest can try again later.
        if paused:
            dom.resume()
        run = self.migrate(dom)
        dom.migrateSetMaxDowntime(1000)
        self.assertTrue(run.drive(20))
        self.assertTrue(run.returned)

    @ddt.data((0, 1250), (625, 625), (250, 250))
    @ddt.unpack
    def test_bandwidth_param(self, param, effective):
        dom = self.make_domain(memory_gib=2)
        run = self.migrate(dom, params={'bandwidth': param})
        self.assertTrue(run.drive(60))
        final = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        expected_ms = 2048.0 / effective * 1000
        self.assertAlmostEqual(expected_ms, final['time_elapsed'],
                               delta=0.12 * expected_ms)

    def test_set_max_speed_during_job(self):
        dom = self.make_domain(model.Workload(**helpers.BUSY))
        run = self.migrate(dom)
        self.assertEqual(libvirt.MIGRATION_BANDWIDTH_MAX,
                         dom.migrateGetMaxSpeed())
        run.drive(5)
        self.assertAlmostEqual(1250 * MiB, dom.jobStats()['memory_bps'],
                               delta=0.02 * 1250 * MiB)
        dom.migrateSetMaxSpeed(100)
        self.assertEqual(100, dom.migrateGetMaxSpeed())
        run.drive(3)
        self.assertAlmostEqual(100 * MiB, dom.jobStats()['memory_bps'],
                               delta=0.02 * 100 * MiB)

    def test_two_migrations_share_the_link(self):
        doms = [self.make_domain(name=name, memory_gib=2)
                for name in ('a', 'b')]
        runs = [self.migrate(dom) for dom in doms]
        for run in runs:
            self.assertTrue(run.drive(60))
        for dom in doms:
            final = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
            self.assertAlmostEqual(2 * 2048 / 1250.0 * 1000,
                                   final['time_elapsed'], delta=400)

    def final_ms(self, dom):
        return dom.jobStats(
            libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)['time_elapsed']

    def test_a_capped_migration_leaves_the_link_to_others(self):
        capped, free = [self.make_domain(name=name, memory_gib=2)
                        for name in ('capped', 'free')]
        runs = [self.migrate(capped, params={'bandwidth': 250}),
                self.migrate(free)]
        for run in runs:
            self.assertTrue(run.drive(60))
        self.assertAlmostEqual(2048 / 250.0 * 1000, self.final_ms(capped),
                               delta=300)
        self.assertAlmostEqual(2048 / 1000.0 * 1000, self.final_ms(free),
                               delta=300)

    def test_a_host_nic_is_shared_by_its_migrations(self):
        # Three migrations out of one host whose card carries 600 MiB/s,
        # to three hosts over links of 1250 MiB/s: 200 MiB/s each.
        self.src.nic_mbps = 600
        doms = []
        for index in range(3):
            dest = 'sim://d%d/system' % index
            self.network.add_host(dest)
            dom = self.make_domain(name='vm%d' % index, memory_gib=1)
            doms.append((dom, self.migrate(dom, dconnuri=dest)))
        for _dom, run in doms:
            self.assertTrue(run.drive(30))
        for dom, _run in doms:
            self.assertAlmostEqual(1024 / 200.0 * 1000, self.final_ms(dom),
                                   delta=300)

    def test_competing_traffic_takes_its_share(self):
        self.network.set_link(self.src, self.dst, links.LinkProfile(
            1000, competing=links.Competing(2000)))
        dom = self.make_domain(memory_gib=2)
        self.assertTrue(self.migrate(dom).drive(60))
        self.assertAlmostEqual(2048 / 500.0 * 1000, self.final_ms(dom),
                               delta=300)

    def test_set_up_time_per_migration_from_the_link(self):
        self.network.set_link(self.src, self.dst, links.LinkProfile(
            1250, setup_time_s=2.0, setup_jitter=0.5, seed=11))
        times = []
        for name in ('a', 'b', 'c'):
            dom = self.make_domain(name=name, memory_gib=1)
            self.assertTrue(self.migrate(dom).drive(30))
            times.append(self.final_ms(dom))
        spread = [t - 1024 / 1.25 for t in times]
        self.assertTrue(all(950 <= s <= 3100 for s in spread), spread)
        self.assertEqual(3, len(set(times)))

    def test_variable_link_is_deterministic(self):
        def once():
            network = libvirt.Network()
            libvirt.set_network(network)
            src = network.add_host(helpers.SRC_URI)
            dst = network.add_host(helpers.DST_URI)
            network.set_link(src, dst, links.LinkProfile(
                500, jitter=0.2, dips=links.Dips(20, 5, 0.6),
                flaky=links.Flaky(30, 3, max_s=10), seed=42))
            conn = libvirt.open(helpers.SRC_URI)
            dom = conn.defineXML(helpers.domain_xml('vm1', 4))
            dom.create()
            dom.simSetWorkload(model.Workload(4096, 256, 100))
            run = helpers.MigrationRun(self, dom).start()
            dom.migrateSetMaxDowntime(1000)
            self.assertTrue(run.drive(300))
            return (self.final_ms(dom),
                    network.finished_jobs[0].model.guest_report())
        self.assertEqual(once(), once())
        plain_ms = 4096 / 500.0 * 1000
        self.assertGreater(once()[0], plain_ms)

    def test_block_migration(self):
        dom = self.make_domain(model.Workload.idle(4096, disk_gb=10))
        samples = []
        run = self.migrate(dom, flags=helpers.BASE_FLAGS |
                           libvirt.VIR_MIGRATE_NON_SHARED_INC)
        self.assertTrue(run.drive(60, on_step=lambda now, s: samples.append(
            dict(s))))
        self.assertTrue(run.returned)
        self.assertEqual(BASE_KEYS | DISK_KEYS, set(samples[0]))
        disk_total = 10 * 1024 * MiB
        for s in samples:
            self.assertEqual(disk_total, s['disk_total'])
            self.assertEqual(s['memory_total'] + s['disk_total'],
                             s['data_total'])
            if s['memory_processed'] > 0:
                self.assertEqual(0, s['disk_remaining'])
            else:
                self.assertEqual(0, s['memory_iteration'])
        self.assertGreater(samples[0]['disk_processed'], 0)
        self.assertEqual(0, samples[0]['memory_processed'])
        final = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        expected_ms = (10240 + 4096) / 1250.0 * 1000
        self.assertAlmostEqual(expected_ms, final['time_elapsed'],
                               delta=0.1 * expected_ms)

    @ddt.data((10, True), (45, False))
    @ddt.unpack
    def test_network_drop_in_precopy(self, seconds, survives):
        dom = self.make_domain(model.Workload(**helpers.BUSY))
        run = self.migrate(dom)
        run.drive(2)
        self.network.drop_link('src', 'dst', seconds)
        self.assertEqual(0, self.network.link_bandwidth('src', 'dst'))
        ended = run.drive(seconds - 1)
        if survives:
            self.assertFalse(ended)
            self.assertEqual(0, dom.jobStats()['memory_bps'])
            run.drive(2)
            self.assertGreater(dom.jobStats()['memory_bps'], 0)
            dom.migrateSetMaxDowntime(1000)
            self.assertTrue(run.drive(10))
            self.assertTrue(run.returned)
            return
        self.assertTrue(ended)
        self.assertEqual(libvirt.VIR_ERR_OPERATION_FAILED,
                         run.error.get_error_code())
        self.assertIn('migration out job: unexpectedly failed',
                      str(run.error))
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, dom.state()[0])
        self.assertIsNone(self.dst.get_domain('vm1'))
        final = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        self.assertEqual(libvirt.VIR_DOMAIN_JOB_FAILED, final['type'])
        self.assertIn('keepalive', final['errmsg'])
        self.assertAlmostEqual(32000, final['time_elapsed'], delta=600)

    def test_destination_failure_in_precopy(self):
        dom = self.make_domain(model.Workload(**helpers.BUSY))
        run = self.migrate(dom)
        run.drive(3)
        self.network.fail_host(helpers.DST_URI)
        self.assertTrue(run.drive(1))
        self.assertEqual(libvirt.VIR_ERR_OPERATION_FAILED,
                         run.error.get_error_code())
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, dom.state()[0])
        self.assertIsNone(self.dst.get_domain('vm1'))
