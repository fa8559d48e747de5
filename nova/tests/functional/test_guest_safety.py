"""A guest is never lost: moves settle from where the guest actually runs.

Every test drives a whole deployment (real Placement, simulated hosts)
and checks, besides the outcome, that the consistency audit -- which also
asks the hypervisors -- agrees.
"""

import fixtures

from nova.compute import settle
from nova import exception
from nova import objects
from nova.objects import fields
from nova.sim import constants as sim_constants
from nova.sim import libvirt as sim_libvirt
from nova.sim import model
from nova.tests.functional import integrated_helpers as helpers
from nova.virt.libvirt import guest as libvirt_guest

STATUS = fields.MigrationStatus
BUSY = model.Workload(ram_mb=2048, wws_mb=512, dirty_rate_mbps=600)


def _domain(cloud, host, uuid):
    return sim_libvirt.open(cloud.sim.uri(host)).lookupByUUIDString(uuid)


class JobStatsRaceTestCase(helpers.DeploymentTestCase):
    """libvirt's "no RAM info" error at the end of a migration."""

    def _racing_migration(self):
        inst = self.cloud.boot(helpers.flavor(), host='src', workload=BUSY)
        # Every look at the job after it ended fails, as libvirt does
        # when jobStats races the end of a migration.
        _domain(self.cloud, 'src', inst.uuid).simInjectJobStatsRace(50)
        return inst

    def test_race_read_as_no_information_yet(self):
        inst = self._racing_migration()
        migration, outcome = self.cloud.api.live_migrate(self.ctxt, inst)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertIsNone(outcome.error)
        self.assertEqual(STATUS.COMPLETED, migration.status)
        inst.refresh()
        self.assertEqual('dst', inst.host)
        self.assertEqual({'dst': sim_constants.VIR_DOMAIN_RUNNING},
                         self.cloud.sim.where(inst))
        self.assert_consistent()

    def _race_fails_the_monitor(self):
        """Read the race as the project used to: as a libvirt failure."""
        real = libvirt_guest.Guest.get_job_info

        def raising(guest):
            info = real(guest)
            if info.type == 0:
                raise exception.LibvirtCallFailed(
                    operation='jobStats', code=1,
                    reason=libvirt_guest.NO_RAM_INFO)
            return info
        self.useFixture(fixtures.MonkeyPatch(
            'nova.virt.libvirt.guest.Guest.get_job_info', raising))

    def _old_behaviour(self):
        """What the project did before: the race is a monitor failure,
        and the move is rolled back as if the guest had not moved.
        """
        self._race_fails_the_monitor()

        def assume_not_moved(source, dest, reported, **kw):
            return settle.Settlement(settle.Verdict.ROLLBACK, STATUS.FAILED,
                                     'assumed, as before')
        self.useFixture(fixtures.MonkeyPatch(
            'nova.compute.settle.settle', assume_not_moved))

    def test_audit_catches_the_guest_the_old_rollback_lost(self):
        self._old_behaviour()
        inst = self._racing_migration()
        self.cloud.api.live_migrate(self.ctxt, inst)
        inst.refresh()
        # The database says active on src; the guest runs nowhere.
        self.assertEqual(('src', fields.VMState.ACTIVE),
                         (inst.host, inst.vm_state))
        self.assertEqual({}, self.cloud.sim.where(inst))
        self.assertIn('instance %s is active on src but its guest there is '
                      'missing' % inst.uuid, self.cloud.problems())

    def test_monitor_failure_after_the_move_completes_it(self):
        # Even when the monitor does fail (the race as it was read
        # before), the compute service sees the guest on the destination
        # and completes the move instead of destroying it there.
        self._race_fails_the_monitor()
        inst = self._racing_migration()
        migration, outcome = self.cloud.api.live_migrate(self.ctxt, inst)
        self.assertEqual(STATUS.COMPLETED, migration.status)
        self.assertIn('monitoring the migration failed', outcome.error)
        inst.refresh()
        self.assertEqual('dst', inst.host)
        self.assertEqual({'dst': sim_constants.VIR_DOMAIN_RUNNING},
                         self.cloud.sim.where(inst))
        self.assert_consistent()


class SettleFromWhereTheGuestRunsTestCase(helpers.DeploymentTestCase):

    def test_failed_call_after_the_guest_moved_completes(self):
        # libvirt's migrate call raises although the guest did move (the
        # connection broke after the switch-over).
        inst = self.cloud.boot(helpers.flavor(), host='src')
        real = sim_libvirt.virDomain.migrateToURI3

        def moved_then_failed(domain, *args, **kwargs):
            real(domain, *args, **kwargs)
            raise sim_constants.make_error(
                sim_constants.VIR_ERR_SYSTEM_ERROR,
                'Cannot recv data: Connection reset by peer')
        self.useFixture(fixtures.MonkeyPatch(
            'nova.sim.libvirt.virDomain.migrateToURI3', moved_then_failed))
        migration, outcome = self.cloud.api.live_migrate(self.ctxt, inst)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertIn('runs on the destination', outcome.settlement)
        self.assertEqual(STATUS.COMPLETED, migration.status)
        inst.refresh()
        self.assertEqual(('dst', fields.VMState.ACTIVE),
                         (inst.host, inst.vm_state))
        self.assertEqual({'dst': sim_constants.VIR_DOMAIN_RUNNING},
                         self.cloud.sim.where(inst))
        self.assert_consistent()

    def test_hold_destroys_nothing(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')

        def hold(source, dest, reported, **kw):
            return settle.Settlement(settle.Verdict.HOLD, STATUS.ERROR,
                                     'held by the test')
        self.useFixture(fixtures.MonkeyPatch('nova.compute.settle.settle',
                                             hold))
        migration, outcome = self.cloud.api.live_migrate(self.ctxt, inst)
        self.assertEqual(STATUS.ERROR, migration.status)
        inst.refresh()
        self.assertEqual(fields.VMState.ERROR, inst.vm_state)
        self.assertIsNone(inst.task_state)
        # The guest was not touched where it runs, and both hosts keep
        # what they hold until an operator decides.
        self.assertEqual({'dst': sim_constants.VIR_DOMAIN_RUNNING},
                         self.cloud.sim.where(inst))
        self.assertIsNotNone(inst.migration_context)
        self.assertEqual({'src'}, set(self.cloud.allocations(
            migration.uuid)))
        self.assertIn(migration.uuid,
                      self.cloud.compute('dst').rt.tracked_migrations)


class HypervisorAuditTestCase(helpers.DeploymentTestCase):

    def test_crashed_host_comes_back_stopped(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        self.cloud.network.fail_host(self.cloud.sim.uri('src'))
        self.cloud.deployment.service_down('src')
        self.assertIn('instance %s (active) on src is unverified: the '
                      'service of src is down, its hypervisor cannot be '
                      'asked' % inst.uuid, self.cloud.problems())
        self.cloud.network.restore_host(self.cloud.sim.uri('src'))
        self.cloud.deployment.service_up('src')
        inst.refresh()
        # The guest crashed with its host: the database no longer
        # pretends it is active.
        self.assertEqual(fields.VMState.STOPPED, inst.vm_state)
        self.assert_consistent()

    def test_guest_shut_off_behind_our_back(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        _domain(self.cloud, 'src', inst.uuid).destroy()
        self.assertIn('instance %s is active on src but its guest there is '
                      'shutdown' % inst.uuid, self.cloud.problems())

    def test_unknown_domain_and_wrong_host(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        stray = self.cloud.sim.boot(
            'dst', objects.Instance(
                uuid='6f1c1f0e-4b64-4bd5-9d38-9fbb1a1d9d5a',
                flavor=helpers.flavor()), model.Workload.idle(2048))
        problems = self.cloud.problems()
        self.assertIn('domain %s on dst (running) belongs to no instance'
                      % stray.uuid, problems)
        # The database moved the instance, the guest did not.
        inst.host = inst.node = 'dst'
        inst.save()
        problems = self.cloud.problems()
        self.assertIn('instance %s runs (running) on src but the database '
                      'places it on dst' % inst.uuid, problems)
        self.assertIn('instance %s is active on dst but its guest there is '
                      'missing' % inst.uuid, problems)

    def test_placement_and_database_compared_both_ways(self):
        extra = self.cloud.placement.add_host('ghost')
        node = self.cloud.compute('dst').rt.compute_node
        self.cloud.placement.adapter.delete(
            '/resource_providers/%s' % node.uuid, microversion='1.38')
        problems = self.cloud.problems()
        self.assertIn('resource provider ghost (%s) in Placement is no '
                      'compute node of this cloud' % extra, problems)
        self.assertIn('compute node dst (%s) has no resource provider in '
                      'Placement' % node.uuid, problems)


class BlockMigrationSizingTestCase(helpers.DeploymentTestCase):

    def test_every_copied_disk_counts_on_its_own(self):
        flavor = helpers.flavor(root_gb=10)
        flavor.ephemeral_gb = 1
        flavor.swap = 512
        inst = self.cloud.boot(flavor, host='src')
        seen = []
        driver = self.cloud.compute('src').driver
        real = driver.live_migration

        def spy(instance, dest, migration, **kwargs):
            seen.append(kwargs['copied_disk_gb'])
            return real(instance, dest, migration, **kwargs)
        self.useFixture(fixtures.MockPatchObject(driver, 'live_migration',
                                                 spy))
        self.cloud.api.live_migrate(self.ctxt, inst, block_migration=True)
        # Root, ephemeral and swap are three disks (each later counted as
        # at least 2 GiB by the monitor), not one 12 GiB disk.
        self.assertEqual([(10, 1, 1)], seen)
        self.assert_consistent()


class ForcedHostCapabilityTestCase(helpers.DeploymentTestCase):

    HOSTS = {'src': {'pmem': False},
             # QEMU 2.4.0: no post-copy (it came with QEMU 2.5).
             'old': {'pmem': False, 'qemu_version': 2004000}}

    def test_forced_host_without_post_copy_refused_before_claims(self):
        inst = self.cloud.boot(helpers.flavor(
            compute__live_migration_post_copy='true'), host='src')
        before = self.cloud.allocations(inst.uuid)
        exc = self.assertRaises(
            exception.ForcedHostLacksTraits, self.cloud.api.live_migrate,
            self.ctxt, inst, host='old', force=True)
        self.assertIn('COMPUTE_MIGRATE_POST_COPY', str(exc))
        self.assertIn('forcing a host skips the scheduler, not the '
                      'capability checks', str(exc))
        inst.refresh()
        self.assertEqual(('src', fields.VMState.ACTIVE, None),
                         (inst.host, inst.vm_state, inst.task_state))
        self.assertEqual([], objects.Migration.get_by_instance(
            self.ctxt, inst.uuid))
        self.assertEqual(before, self.cloud.allocations(inst.uuid))
        self.assert_consistent()


class EvacuationRefusedTestCase(helpers.DeploymentTestCase):

    def test_no_valid_host_leaves_the_instance_as_it_was(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        self.cloud.deployment.service_down('src')
        self.cloud.deployment.service_down('dst')
        self.assertRaises(exception.NoValidHost, self.cloud.api.evacuate,
                          self.ctxt, inst)
        inst.refresh()
        self.assertEqual(('src', fields.VMState.ACTIVE, None, None),
                         (inst.host, inst.vm_state, inst.task_state,
                          inst.migration_context))
        self.assertEqual({'src'}, set(self.cloud.allocations(inst.uuid)))
        [migration] = objects.Migration.get_by_instance(self.ctxt,
                                                        inst.uuid)
        self.assertEqual(STATUS.FAILED, migration.status)
        self.assertEqual({}, self.cloud.allocations(migration.uuid))
        self.cloud.deployment.service_up('src')
        self.cloud.deployment.service_up('dst')
        self.assert_consistent()


class ForceCompleteOnADeadLinkTestCase(helpers.DeploymentTestCase):

    HOSTS = {'src': {'pmem': False, 'libvirt_opts': {
        'live_migration_permit_post_copy': True}},
        'dst': {'pmem': False}}

    def test_no_post_copy_while_the_link_is_down(self):
        hopeless = model.Workload(ram_mb=2048, wws_mb=2048,
                                  dirty_rate_mbps=8192,
                                  cpu_bound_fraction=0.3)
        inst = self.cloud.boot(helpers.flavor(), host='src',
                               workload=hopeless)
        clock = self.cloud.network.clock
        asked = []

        def on_progress(mig):
            now = clock.now()
            if not asked:
                # The link goes down for 10 s as the migration starts
                # (before the SLA policy, after the first pass, would
                # switch to post-copy itself), and force-complete is
                # asked while it is down.
                self.cloud.network.drop_link(self.cloud.sim.uri('src'),
                                             self.cloud.sim.uri('dst'), 10)
                asked.append(now)
            elif len(asked) == 1 and now >= asked[0] + 2:
                self.cloud.api.live_migrate_force_complete(self.ctxt, inst)
                asked.append(now)
        migration, outcome = self.cloud.api.live_migrate(
            self.ctxt, inst, on_progress=on_progress)
        actions = [a['action'] for a in outcome.actions]
        # It waited for the link, said so, then switched and completed.
        self.assertIn('wait-for-link', actions)
        self.assertLess(actions.index('wait-for-link'),
                        actions.index('start-postcopy'))
        switch = [a['time_s'] for a in outcome.actions
                  if a['action'] == 'start-postcopy'][0]
        self.assertGreaterEqual(switch, asked[0] + 10)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        inst.refresh()
        self.assertEqual('dst', inst.host)
        self.assert_consistent()
