"""Whole live migrations through the libvirt driver on the simulator.

Two simulated hosts share a network and a virtual clock: each test runs
in well under a second of real time whatever the virtual duration.
"""

from oslo_utils import uuidutils

from nova import exception
from nova import objects
from nova.objects import fields
from nova.sim import model
from nova import test
from nova.tests import fixtures as nova_fixtures
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host as libvirt_host
from nova.virt.libvirt import migration

ACTIONS = migration.Action
STATUS = fields.MigrationStatus
RUNNING = 1  # VIR_DOMAIN_RUNNING

# 2 GiB of RAM, a 1 GiB working set written at 2 GiB/s over a 1250 MiB/s
# link: pre-copy plateaus at ~700 MiB left, which needs a downtime of about
# 0.6 s; QEMU's switch-over never happens below that.
BUSY = model.Workload(ram_mb=2048, wws_mb=1024, dirty_rate_mbps=2048)
# The same guest writing only half its vCPU-bound share can't be throttled
# into converging; at 8 GiB/s it never converges whatever the downtime.
HOPELESS = model.Workload(ram_mb=2048, wws_mb=2048, dirty_rate_mbps=8192,
                          cpu_bound_fraction=0.3)


def _instance(specs=None, memory_mb=2048):
    return objects.Instance(
        uuid=uuidutils.generate_uuid(), project_id='p', user_id='u',
        host='src', node='src', vm_state=fields.VMState.ACTIVE,
        image_ref=None, system_metadata={},
        flavor=objects.Flavor(flavorid='f', name='f', vcpus=1,
                              memory_mb=memory_mb, extra_specs=specs or {}))


class _MonitorBug(Exception):
    """A failure inside the monitor loop, raised by a test hook."""


class _Base(test.NoDBTestCase):

    #: None: the driver's default monitor (the SLA policy).
    MONITOR = None

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(nova_fixtures.SimLibvirtFixture())
        self.driver = libvirt_driver.LibvirtDriver(
            libvirt_host.Host(self.sim.uri('src')),
            monitor_factory=self.MONITOR)
        self.saves = []
        self.hooks = []

    def migrate(self, instance, workload, block_migration=False,
                copied_disk_gb=()):
        self.sim.boot('src', instance, workload)
        migration_obj = objects.Migration(
            uuid=uuidutils.generate_uuid(), instance_uuid=instance.uuid,
            migration_type=fields.MigrationType.LIVE_MIGRATION,
            status=STATUS.QUEUED, source_compute='src', dest_compute='dst')

        def on_progress(mig):
            remaining = (mig.memory_remaining
                         if mig.obj_attr_is_set('memory_remaining') else None)
            self.saves.append((self.sim.network.clock.now(), mig.status,
                               remaining))
            for hook in self.hooks:
                hook(instance, mig)

        outcome = self.driver.live_migration(
            instance, 'dst', migration_obj, block_migration=block_migration,
            copied_disk_gb=copied_disk_gb, on_progress=on_progress)
        self.assertEqual(outcome.status, migration_obj.status)
        return outcome

    def actions(self, outcome, kind=None):
        return [(t, d) for t, d in outcome.actions
                if kind is None or d.action is kind]

    def assert_on(self, instance, host, state=RUNNING):
        self.assertEqual({host: state}, self.sim.where(instance))


class _TimersBase(_Base):
    """The downtime ramp and the timeouts alone: ``[libvirt]
    live_migration_monitor = timers`` (migration.Monitor, which the SLA
    policy builds on), with the flags chosen as before SLA tiers (no
    post-copy or auto-converge unless asked for).
    """

    def setUp(self):
        super().setUp()
        self.flags(group='libvirt', live_migration_monitor='timers',
                   live_migration_permit_post_copy=False,
                   live_migration_permit_auto_converge=False)


class ConvergenceTestCase(_TimersBase):

    def test_idle_guest_converges_at_once(self):
        instance = _instance()
        outcome = self.migrate(instance, model.Workload.idle(2048))
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assert_on(instance, 'dst')
        # 2 GiB over 1250 MiB/s, one pass and a short stop.
        self.assertLess(outcome.total_time_s, 3)
        self.assertLess(outcome.downtime_ms, 100)
        self.assertEqual([ACTIONS.SET_DOWNTIME],
                         [d.action for _t, d in outcome.actions])
        self.assertEqual(50, outcome.actions[0][1].value)
        self.assertGreater(outcome.bytes_moved, 2 * 1024 ** 3 * 0.9)

    def test_busy_guest_converges_after_downtime_steps(self):
        self.flags(group='libvirt', live_migration_downtime=1000,
                   live_migration_downtime_steps=5,
                   live_migration_downtime_delay=3)
        instance = _instance()
        outcome = self.migrate(instance, BUSY)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assert_on(instance, 'dst')
        steps = [(t, d.value) for t, d in
                 self.actions(outcome, ACTIONS.SET_DOWNTIME)]
        # One step every 3 s/GiB x 2 GiB = 6 s, linear from 1000/5 ms:
        # 200, 360, 520, 680 ms ...
        self.assertEqual([(0.0, 200), (6.0, 360), (12.0, 520)], steps[:3])
        # ... and QEMU could not switch over with 200 or 360 ms.
        self.assertGreaterEqual(outcome.total_time_s, 12)
        self.assertGreaterEqual(len(steps), 3)
        self.assertGreaterEqual(outcome.downtime_ms, 400)
        self.assertLessEqual(outcome.downtime_ms, steps[-1][1] + 60)
        self.assertGreater(outcome.iterations, 5)

    def test_never_converging_guest_aborted_at_completion_timeout(self):
        self.flags(group='libvirt', live_migration_completion_timeout=10,
                   live_migration_downtime=100,
                   live_migration_downtime_steps=3)
        instance = _instance()
        outcome = self.migrate(instance, HOPELESS)
        self.assertEqual(STATUS.CANCELLED, outcome.status)
        self.assert_on(instance, 'src')
        aborts = self.actions(outcome, ACTIONS.ABORT)
        self.assertEqual(1, len(aborts))
        # 10 s/GiB x 2 GiB = 20 s; the first poll after it aborts.
        self.assertEqual(20.5, aborts[0][0])
        self.assertIn('completion timeout is 20 s', outcome.error)

    def test_auto_converge_instance_converges_by_throttling(self):
        instance = _instance({'compute:live_migration_auto_converge':
                              'true'})
        outcome = self.migrate(instance, BUSY)
        self.assertIn('VIR_MIGRATE_AUTO_CONVERGE', outcome.flags)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assert_on(instance, 'dst')
        throttles = sorted({s.throttle for s in outcome.samples})
        self.assertGreaterEqual(throttles[-1], 20)
        self.assertEqual([], self.actions(outcome, ACTIONS.PAUSE))

    def test_timeout_action_force_complete_pauses_plain_instance(self):
        self.flags(group='libvirt', live_migration_completion_timeout=5,
                   live_migration_timeout_action='force_complete',
                   live_migration_downtime=100,
                   live_migration_downtime_steps=3)
        instance = _instance()
        outcome = self.migrate(instance, HOPELESS)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertEqual([ACTIONS.PAUSE], [
            d.action for _t, d in outcome.actions
            if d.action is not ACTIONS.SET_DOWNTIME])
        # As with libvirt, a guest paused during the migration runs on the
        # destination once it completes.
        self.assert_on(instance, 'dst')


class ForceCompleteAndAbortTestCase(_Base):

    def _at(self, seconds, fn):
        """Call fn(instance) once, at the first save after ``seconds``."""
        done = []

        def hook(instance, mig):
            if not done and self.sim.network.clock.now() >= seconds:
                done.append(True)
                fn(instance)
        self.hooks.append(hook)
        return done

    def test_force_complete_switches_post_copy_instance(self):
        instance = _instance({'compute:live_migration_post_copy': 'true'})
        self._at(10, self.driver.live_migration_force_complete)
        outcome = self.migrate(instance, HOPELESS)
        self.assertIn('VIR_MIGRATE_POSTCOPY', outcome.flags)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertEqual([ACTIONS.START_POSTCOPY], [
            d.action for _t, d in outcome.actions
            if d.action is not ACTIONS.SET_DOWNTIME])
        self.assertIn('POSTCOPY', {s.phase for s in outcome.samples})
        self.assertIn(STATUS.POST_COPY, [s[1] for s in self.saves])
        self.assert_on(instance, 'dst')

    def test_force_complete_pauses_auto_converge_instance(self):
        self.flags(group='libvirt', live_migration_permit_post_copy=True)
        instance = _instance({'compute:live_migration_auto_converge':
                              'true'})
        self._at(5, self.driver.live_migration_force_complete)
        outcome = self.migrate(instance, HOPELESS)
        self.assertNotIn('VIR_MIGRATE_POSTCOPY', outcome.flags)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertEqual([ACTIONS.PAUSE], [
            d.action for _t, d in outcome.actions
            if d.action is not ACTIONS.SET_DOWNTIME])

    def test_metadata_false_disables_host_permitted_post_copy(self):
        self.flags(group='libvirt', live_migration_permit_post_copy=True)
        instance = _instance({'compute:live_migration_post_copy': 'false'})
        self._at(5, self.driver.live_migration_force_complete)
        outcome = self.migrate(instance, HOPELESS)
        self.assertNotIn('VIR_MIGRATE_POSTCOPY', outcome.flags)
        self.assertNotIn(ACTIONS.START_POSTCOPY,
                         [d.action for _t, d in outcome.actions])
        self.assertEqual(STATUS.COMPLETED, outcome.status)

    def test_abort_in_pre_copy_keeps_guest_on_source(self):
        instance = _instance({'compute:live_migration_post_copy': 'false'})
        self._at(5, self.driver.live_migration_abort)
        outcome = self.migrate(instance, HOPELESS)
        self.assertEqual(STATUS.CANCELLED, outcome.status)
        self.assert_on(instance, 'src')

    def test_abort_refused_in_post_copy(self):
        # Forced during the first pass (saves every second), before the
        # SLA policy switches on its own.
        self.flags(group='libvirt', live_migration_status_save_interval=1)
        instance = _instance({'compute:live_migration_post_copy': 'true'})
        self._at(1, self.driver.live_migration_force_complete)
        refused = []

        def try_abort(inst):
            try:
                self.driver.live_migration_abort(inst)
            except exception.MigrationAbortNotAllowed as exc:
                refused.append(str(exc))
        self.hooks.append(lambda inst, mig: mig.status == STATUS.POST_COPY
                          and not refused and try_abort(inst))
        outcome = self.migrate(instance, HOPELESS)
        self.assertEqual(1, len(refused))
        self.assertIn('post-copy', refused[0])
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assert_on(instance, 'dst')

    def test_monitor_failure_aborts_the_job(self):
        instance = _instance({'compute:live_migration_post_copy': 'false'})

        def explode(inst):
            raise _MonitorBug('monitor bug')
        self._at(3, explode)
        outcome = self.migrate(instance, HOPELESS)
        # The pre-copy job was aborted and waited for; the guest never
        # left the source, and the outcome says why it ended.
        self.assertEqual(STATUS.CANCELLED, outcome.status)
        self.assertTrue(outcome.job_ended)
        self.assertIn('monitoring the migration failed: monitor bug',
                      outcome.error)
        self.assert_on(instance, 'src')
        self.assertGreaterEqual(self.sim.network.clock.now(), 3)

    def test_monitor_failure_in_post_copy_waits_for_the_end(self):
        # Post-copy must not be aborted (it cannot be): the driver waits
        # for it to finish and reports the guest where it is.
        self.flags(group='libvirt', live_migration_status_save_interval=1)
        instance = _instance({'compute:live_migration_post_copy': 'true'})
        self._at(1, self.driver.live_migration_force_complete)

        def explode(inst, mig):
            if mig.status == STATUS.POST_COPY:
                raise _MonitorBug('monitor bug in post-copy')
        self.hooks.append(explode)
        outcome = self.migrate(instance, HOPELESS)
        self.assertTrue(outcome.postcopy_started)
        self.assertTrue(outcome.job_ended)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertIn('monitor bug in post-copy', outcome.error)
        self.assert_on(instance, 'dst')


class ProgressTimeoutTestCase(_TimersBase):

    def test_stalled_guest_aborted(self):
        # No completion timeout, downtime steps far apart: only the
        # progress watch can end this one.
        self.flags(group='libvirt', live_migration_progress_timeout=30,
                   live_migration_completion_timeout=0,
                   live_migration_downtime_delay=200)
        instance = _instance()
        outcome = self.migrate(instance, HOPELESS)
        self.assertEqual(STATUS.CANCELLED, outcome.status)
        aborts = self.actions(outcome, ACTIONS.ABORT)
        self.assertEqual(1, len(aborts))
        self.assertIn('no progress for', aborts[0][1].reason)
        self.assertGreaterEqual(aborts[0][0], 30)
        self.assertLess(aborts[0][0], 60)
        self.assert_on(instance, 'src')

    def test_slow_saw_tooth_not_aborted(self):
        # Dirtying at 80 % of a capped 100 MiB/s link: each pass re-sends
        # most of the last one; the reported remaining saw-tooths down to
        # almost nothing in every pass and only the pass peaks fall.  It
        # finishes long after the progress timeout.
        self.flags(group='libvirt', live_migration_progress_timeout=10,
                   live_migration_completion_timeout=0,
                   live_migration_bandwidth=100)
        instance = _instance(memory_mb=1024)
        workload = model.Workload(ram_mb=1024, wws_mb=1024,
                                  dirty_rate_mbps=80)
        outcome = self.migrate(instance, workload)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertGreater(outcome.total_time_s, 20)
        self.assertGreater(outcome.iterations, 3)
        self.assertEqual([], self.actions(outcome, ACTIONS.ABORT))
        rises = sum(1 for a, b in zip(outcome.samples, outcome.samples[1:])
                    if b.data_remaining > a.data_remaining)
        self.assertGreater(rises, 2, 'expected a saw-tooth')

    def test_long_block_migration_not_aborted(self):
        self.flags(group='libvirt', live_migration_progress_timeout=10,
                   live_migration_completion_timeout=0,
                   live_migration_bandwidth=200)
        instance = _instance(memory_mb=1024)
        workload = model.Workload(ram_mb=1024, wws_mb=16,
                                  dirty_rate_mbps=1, disk_gb=10)
        outcome = self.migrate(instance, workload, block_migration=True,
                               copied_disk_gb=(10,))
        self.assertIn('VIR_MIGRATE_NON_SHARED_INC', outcome.flags)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        # 10 GiB of disk at 200 MiB/s: far longer than the timeout.
        self.assertGreater(outcome.total_time_s, 50)


class StatusSavingTestCase(_TimersBase):

    def test_saves_are_throttled(self):
        self.flags(group='libvirt', live_migration_status_save_interval=10,
                   live_migration_completion_timeout=30,
                   live_migration_downtime=100,
                   live_migration_downtime_steps=3)
        instance = _instance()
        outcome = self.migrate(instance, HOPELESS)
        running = [s for s in self.saves if s[1] == STATUS.RUNNING]
        # 60 s of migration, one save every 10 s at most (+1 at start).
        times = [t for t, _s, _r in running]
        self.assertLessEqual(len(running), 60 // 10 + 2)
        gaps = [b - a for a, b in zip(times[1:], times[2:])]
        self.assertTrue(all(gap >= 10 for gap in gaps), gaps)
        self.assertEqual(STATUS.CANCELLED, self.saves[-1][1])
        self.assertEqual(STATUS.CANCELLED, outcome.status)


class SimTraitsTestCase(_Base):

    def test_traits_from_the_connection(self):
        host = libvirt_host.Host(self.sim.uri('src'))
        self.assertEqual({'COMPUTE_MIGRATE_AUTO_CONVERGE': True,
                          'COMPUTE_MIGRATE_POST_COPY': True,
                          'CUSTOM_COMPUTE_MIGRATE_VPMEM': True,
                          'CUSTOM_COMPUTE_MIGRATE_POSTCOPY_RESUME': True},
                         host.migration_traits())
        self.sim.network.add_host('sim://old/system', 'old',
                                  qemu_version=2004000)
        old = libvirt_host.Host('sim://old/system')
        self.assertEqual({'COMPUTE_MIGRATE_AUTO_CONVERGE': True,
                          'COMPUTE_MIGRATE_POST_COPY': False,
                          'CUSTOM_COMPUTE_MIGRATE_VPMEM': False,
                          'CUSTOM_COMPUTE_MIGRATE_POSTCOPY_RESUME': False},
                         old.migration_traits())
