"""DrainTask and the conductor's drain endpoints, with the moves mocked."""

import threading
import time
from unittest import mock

import ddt
import oslo_messaging as messaging
from oslo_utils import uuidutils

from nova.conductor import drain_records
from nova.conductor import manager as conductor_manager
from nova.conductor.tasks import drain
from nova import context as nova_context
from nova.db import api as db
from nova import exception
from nova import objects
from nova.objects import fields
from nova.objects import host_drain
from nova import test
from nova.tests import fixtures as nova_fixtures

RESULT = host_drain.DrainResult
STATUS = fields.MigrationStatus


def _instance(memory_mb=1024, name=None, host='src', task_state=None,
              vm_state=fields.VMState.ACTIVE):
    return objects.Instance(
        uuid=uuidutils.generate_uuid(), display_name=name, project_id='p',
        user_id='u', host=host, node=host, vm_state=vm_state,
        task_state=task_state, system_metadata={}, image_ref=None,
        flavor=objects.Flavor(flavorid='f', name='f', vcpus=1,
                              memory_mb=memory_mb, extra_specs={}))


def _migration(instance, status=STATUS.COMPLETED, uuid=None, dest='dst'):
    return objects.Migration(
        uuid=uuid or uuidutils.generate_uuid(), instance_uuid=instance.uuid,
        status=status, source_compute='src', dest_compute=dest,
        migration_type=fields.MigrationType.LIVE_MIGRATION,
        purpose=fields.MigrationPurpose.EVACUATE_HOST)


class _Cloud(object):
    """The instances of the database, by uuid, and their saves."""

    def __init__(self, test_case, instances):
        self.instances = {i.uuid: i for i in instances}
        self.migrations = {}
        patch = mock.patch.object
        test_case.useFixture(_Patch(patch(
            objects.Instance, 'get_by_host',
            side_effect=lambda ctxt, host: [
                i.obj_clone() for i in self.instances.values()
                if i.host == host])))
        test_case.useFixture(_Patch(patch(
            objects.Instance, 'get_by_uuid', side_effect=self._get)))
        test_case.useFixture(_Patch(patch(
            objects.Instance, 'save', autospec=True, side_effect=self._save)))
        test_case.useFixture(_Patch(patch(
            objects.Migration, 'get_by_uuid',
            side_effect=self._migration)))

    def _get(self, ctxt, uuid):
        if uuid not in self.instances:
            raise exception.InstanceNotFound(instance_id=uuid, host='db')
        return self.instances[uuid].obj_clone()

    def _save(self, instance, expected_task_state=None,
              expected_vm_state=None):
        stored = self.instances[instance.uuid]
        if (expected_task_state is not None and
                stored.task_state not in expected_task_state):
            raise exception.UnexpectedInstanceState(
                instance_uuid=instance.uuid, column='task_state',
                actual=stored.task_state, expected=expected_task_state)
        stored.task_state = instance.task_state

    def _migration(self, ctxt, uuid):
        if uuid not in self.migrations:
            raise exception.MigrationNotFound(migration_id=uuid)
        return self.migrations[uuid]


class _Patch(object):
    """A mock.patch as a fixture (setUp/cleanUp)."""

    def __init__(self, patcher):
        self.patcher = patcher

    def setUp(self):
        self.patcher.start()

    def cleanUp(self):
        self.patcher.stop()

    def getDetails(self):
        return {}


@ddt.ddt
class OrderTestCase(test.NoDBTestCase):

    def test_largest_memory_first_ties_by_name_then_uuid(self):
        a = _instance(1024, 'b-vm')
        b = _instance(4096, 'z-vm')
        c = _instance(1024, 'a-vm')
        d = _instance(1024, None)
        e = _instance(8192, 'm-vm')
        self.assertEqual([e, b, d, c, a], drain.drain_order([a, b, c, d, e]))

    @ddt.data((0, 5, 5), (2, 5, 2), (2, 1, 1), (0, 0, 1), (3, 0, 1),
              (1000, 7, 7))
    @ddt.unpack
    def test_worker_count(self, limit, instances, expected):
        self.assertEqual(expected, drain.worker_count(limit, instances))


class DrainTaskTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.rpc = mock.Mock()
        self.rpc.hosts.return_value = ['src', 'dst', 'other']
        self.rpc.is_up.return_value = True
        self.rpc.max_concurrent_live_migrations.return_value = 2
        self.rpc.live_migration_outcome.return_value = (
            objects.LiveMigrationOutcome.not_started(STATUS.COMPLETED,
                                                     None))
        self.flags(migration_poll_interval=0.01)

    def _task(self, instances, start_move, draining=()):
        self.cloud = _Cloud(self, instances)
        task = drain.DrainTask(mock.sentinel.ctxt, 'src', self.rpc,
                               start_move, draining=lambda: draining)
        task.plan()
        return task

    def _run(self, task):
        task.start()
        task.wait(10)
        self.assertFalse(task.running)
        return task.report(outcomes=True)

    def test_refusals_before_anything(self):
        start_move = mock.Mock()
        task = drain.DrainTask(mock.sentinel.ctxt, 'nowhere', self.rpc,
                               start_move)
        self.assertRaises(exception.ServiceNotFound, task.plan)
        self.rpc.is_up.return_value = False
        task = drain.DrainTask(mock.sentinel.ctxt, 'src', self.rpc,
                               start_move)
        exc = self.assertRaises(exception.HostDrainHostDown, task.plan)
        self.assertEqual(409, exc.code)
        start_move.assert_not_called()

    def test_moves_in_order_never_more_than_the_limit(self):
        instances = [_instance(m, 'vm%d' % m) for m in (512, 4096, 1024,
                                                        2048, 8192)]
        lock = threading.Lock()
        state = {'now': 0, 'most': 0, 'calls': []}

        def start_move(ctxt, instance, migration_uuid, purpose, ignore):
            with lock:
                state['now'] += 1
                state['most'] = max(state['most'], state['now'])
                state['calls'].append((instance.flavor.memory_mb, purpose,
                                       ignore, instance.task_state))
            time.sleep(0.02)
            with lock:
                state['now'] -= 1
            self.cloud.instances[instance.uuid].host = 'dst'
            return _migration(instance, uuid=migration_uuid)

        task = self._task(instances, start_move, draining=('other',))
        report = self._run(task)
        self.assertEqual(2, state['most'])
        self.assertEqual([8192, 4096, 2048, 1024, 512],
                         [c[0] for c in state['calls']])
        self.assertEqual({(fields.MigrationPurpose.EVACUATE_HOST,
                           ('other', 'src'), fields.TaskState.MIGRATING)},
                         {(c[1], tuple(c[2]), c[3])
                          for c in state['calls']})
        self.assertEqual(host_drain.DrainState.DRAINED, report.state)
        self.assertEqual([RESULT.MOVED] * 5,
                         [e.result for e in report.entries])
        self.assertEqual({'dst'}, {e.dest for e in report.entries})
        self.assertTrue(all(e.outcome is not None for e in report.entries))
        self.assertIsNotNone(report.elapsed_s)
        # Copies for callers leave the outcomes out unless asked.
        self.assertIsNone(task.report().entries[0].outcome)

    def test_each_instance_reported(self):
        moved = _instance(8192, 'moved')
        gone = _instance(4096, 'gone')
        elsewhere = _instance(3072, 'elsewhere')
        busy = _instance(2048, 'busy', task_state=fields.TaskState.DELETING)
        stopped = _instance(1536, 'stopped', vm_state=fields.VMState.STOPPED)
        no_host = _instance(1024, 'no-host')
        rolled_back = _instance(768, 'rolled-back')
        broken = _instance(512, 'broken')
        undo_failed = _instance(256, 'undo-failed')
        ended_in_error = _instance(128, 'error')
        instances = [moved, gone, elsewhere, busy, stopped, no_host,
                     rolled_back, broken, undo_failed, ended_in_error]

        def start_move(ctxt, instance, migration_uuid, purpose, ignore):
            if instance.uuid == no_host.uuid:
                raise exception.NoValidHost(reason='no room')
            if instance.uuid == broken.uuid:
                raise RuntimeError('bug')
            if instance.uuid == undo_failed.uuid:
                self.cloud.migrations[migration_uuid] = _migration(
                    instance, STATUS.ERROR, migration_uuid, dest=None)
                raise exception.AllocationClaimFailed(
                    resources='x', consumer='y', providers='p', detail='z')
            status = {rolled_back.uuid: STATUS.FAILED,
                      ended_in_error.uuid: STATUS.ERROR}.get(
                instance.uuid, STATUS.COMPLETED)
            return _migration(instance, status, migration_uuid)

        self.rpc.max_concurrent_live_migrations.return_value = 1
        task = self._task(instances, start_move)
        del self.cloud.instances[gone.uuid]
        self.cloud.instances[elsewhere.uuid].host = 'other'
        report = self._run(task)
        results = {e.name: (e.result, e.error) for e in report.entries}
        self.assertEqual(host_drain.DrainState.PARTIAL, report.state)
        self.assertEqual((RESULT.MOVED, None), results['moved'])
        self.assertEqual((RESULT.GONE, 'deleted before its turn'),
                         results['gone'])
        self.assertEqual((RESULT.GONE, 'now on other'), results['elsewhere'])
        self.assertEqual(RESULT.REFUSED, results['busy'][0])
        self.assertIn('active/deleting', results['busy'][1])
        self.assertIn('stopped/idle', results['stopped'][1])
        self.assertEqual(RESULT.REFUSED, results['no-host'][0])
        self.assertIn('NoValidHost: No valid host was found. no room',
                      results['no-host'][1])
        self.assertEqual((RESULT.FAILED, None), results['rolled-back'])
        self.assertEqual((RESULT.ERROR, 'RuntimeError: bug'),
                         results['broken'])
        self.assertEqual(RESULT.ERROR, results['undo-failed'][0])
        self.assertEqual((RESULT.ERROR, None), results['error'])
        # Neither the busy nor the stopped instance was marked migrating.
        self.assertEqual(fields.TaskState.DELETING,
                         self.cloud.instances[busy.uuid].task_state)
        self.assertIsNone(self.cloud.instances[stopped.uuid].task_state)
        entries = {e.name: e for e in report.entries}
        for name in ('gone', 'busy', 'no-host', 'broken'):
            self.assertIsNone(entries[name].migration_uuid, name)
        self.assertIsNotNone(entries['undo-failed'].migration_uuid)

    def test_lost_race_is_refused(self):
        inst = _instance()
        start_move = mock.Mock()
        task = self._task([inst], start_move)
        # Someone else marks it between the look and the swap.
        real_get = self.cloud._get

        def racing_get(ctxt, uuid):
            found = real_get(ctxt, uuid)
            self.cloud.instances[uuid].task_state = (
                fields.TaskState.MIGRATING)
            return found
        objects.Instance.get_by_uuid.side_effect = racing_get
        report = self._run(task)
        self.assertEqual(RESULT.REFUSED, report.entries[0].result)
        self.assertIn('task_state', report.entries[0].error)
        start_move.assert_not_called()

    def test_follows_the_record_until_final(self):
        inst = _instance()
        records = {}

        def start_move(ctxt, instance, migration_uuid, purpose, ignore):
            migration = _migration(instance, STATUS.RUNNING, migration_uuid)
            looks = iter([STATUS.RUNNING, STATUS.POST_COPY,
                          STATUS.COMPLETED])
            migration.refresh = lambda: setattr(migration, 'status',
                                                next(looks))
            records['m'] = migration
            return migration

        task = self._task([inst], start_move)
        report = self._run(task)
        self.assertEqual(RESULT.MOVED, report.entries[0].result)
        self.assertEqual(STATUS.COMPLETED, records['m'].status)

    def test_a_migration_that_never_ends_is_reported_not_waited_forever(self):
        self.flags(migration_wait_timeout=1)
        inst = _instance()

        class Clock(drain.RealTime):
            now_s = 0.0

            def now(self):
                return self.now_s

            def sleep(self, seconds):
                self.now_s += seconds

        def start_move(ctxt, instance, migration_uuid, purpose, ignore):
            migration = _migration(instance, STATUS.RUNNING, migration_uuid)
            migration.refresh = lambda: None
            return migration

        self.cloud = _Cloud(self, [inst])
        task = drain.DrainTask(mock.sentinel.ctxt, 'src', self.rpc,
                               start_move, clock=Clock())
        task.plan()
        report = self._run(task)
        entry = report.entries[0]
        self.assertEqual(RESULT.ERROR, entry.result)
        self.assertIn('did not reach a final status within 1 s', entry.error)
        self.assertIn('It goes on', entry.error)

    def test_limit_unknown_falls_back_to_this_configuration(self):
        self.flags(max_concurrent_live_migrations=3)
        self.rpc.max_concurrent_live_migrations.side_effect = (
            exception.ServiceUnreachable(binary='nova-compute', host='src',
                                         method='m', reason='timeout'))
        task = self._task([_instance()], mock.Mock())
        self.assertEqual(3, task.drain.max_concurrent)


def _unwrapped(method):
    """The endpoint ``method`` raising its typed errors as the RPC
    dispatcher hands them to the caller.
    """
    def call(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except messaging.ExpectedException as exc:
            raise exc.exc_info[1]
    return call


class _ManagerTestBase(test.NoDBTestCase):
    """Conductor managers whose moves wait for ``self.gate``."""

    def setUp(self):
        super().setUp()
        # The drains' records (host_drains); instances and migrations
        # are the fakes of _Cloud.
        self.useFixture(nova_fixtures.Database())
        self.ctxt = nova_context.get_admin_context()
        self.rpc = mock.Mock()
        self.rpc.live_migration_outcome.return_value = None
        self.rpc.hosts.return_value = ['src', 'dst']
        self.rpc.is_up.return_value = True
        self.rpc.max_concurrent_live_migrations.return_value = 1
        self.gate = threading.Event()
        self.addCleanup(self.gate.set)
        self.instances = [_instance(name='vm')]
        self.cloud = _Cloud(self, self.instances)

    def _manager(self, clock=None, host='conductor-a'):
        manager = conductor_manager.ComputeTaskManager(
            self.rpc, mock.Mock(), mock.Mock(), clock=clock, host=host)

        def live_migrate(ctxt, instance, host, block, force, purpose,
                         migration_uuid=None, ignore_hosts=()):
            self.gate.wait(10)
            return _migration(instance, uuid=migration_uuid)
        manager._live_migrate = live_migrate
        for name in ('drain_host', 'drain_status'):
            setattr(manager, name, _unwrapped(getattr(manager, name)))
        self.addCleanup(self._finish_drains, manager)
        return manager

    def _finish_drains(self, manager):
        # Before the database goes: the drains write their last reports.
        self.gate.set()
        for task in list(manager._drains.values()):
            task.wait(10)


class ConductorDrainTestCase(_ManagerTestBase):

    def test_one_drain_of_a_host_at_a_time(self):
        manager = self._manager()
        first = manager.drain_host(self.ctxt, 'src')
        self.assertEqual([RESULT.MOVING], [e.result for e in first.entries])
        exc = self.assertRaises(exception.HostDrainInProgress,
                                manager.drain_host, self.ctxt,
                                'src')
        self.assertIn('0 of 1 instances done, 1 moving', str(exc))
        # Another host may be drained meanwhile (real time).
        self.rpc.hosts.return_value = ['src', 'dst', 'other']
        other = manager.drain_host(self.ctxt, 'other')
        self.assertEqual([], other.entries)
        self.gate.set()
        manager._drains['src'].wait(10)
        done = manager.drain_status(self.ctxt, 'src')
        self.assertEqual(host_drain.DrainState.DRAINED, done.state)
        # A finished drain does not block the next one.
        manager.drain_host(self.ctxt, 'src')

    def test_embedded_cloud_drains_one_host_at_a_time(self):
        manager = self._manager(clock=drain.RealTime())
        manager.drain_host(self.ctxt, 'src')
        exc = self.assertRaises(exception.HostDrainNotPossible,
                                manager.drain_host, self.ctxt,
                                'dst')
        self.assertIn('src is being drained', str(exc))
        self.gate.set()

    def test_status_of_a_host_never_drained(self):
        self.assertRaises(exception.HostDrainNotFound,
                          self._manager().drain_status, self.ctxt,
                          'src')

    def test_refused_drain_is_not_recorded(self):
        manager = self._manager()
        self.rpc.is_up.return_value = False
        self.assertRaises(exception.HostDrainHostDown, manager.drain_host,
                          self.ctxt, 'src')
        self.assertRaises(exception.HostDrainNotFound, manager.drain_status,
                          self.ctxt, 'src')


class RecordedDrainTestCase(_ManagerTestBase):
    """The drain's report in host_drains: answered by any conductor, by
    one restarted, and taken over from a conductor that is down.
    """

    def setUp(self):
        super().setUp()
        self.up = {'conductor-a': True, 'conductor-b': True}
        self.rpc.servicegroup.is_up.side_effect = (
            lambda binary, host: self.up.get(host, False))

    def test_another_conductor_answers_for_the_drain(self):
        first = self._manager(host='conductor-a')
        other = self._manager(host='conductor-b')
        first.drain_host(self.ctxt, 'src')
        seen = other.drain_status(self.ctxt, 'src')
        self.assertEqual((host_drain.DrainState.RUNNING, [RESULT.MOVING]),
                         (seen.state, [e.result for e in seen.entries]))
        self.gate.set()
        first._drains['src'].wait(10)
        seen = other.drain_status(self.ctxt, 'src')
        self.assertEqual((host_drain.DrainState.DRAINED, [RESULT.MOVED]),
                         (seen.state, [e.result for e in seen.entries]))

    def test_newer_drain_of_another_conductor_is_reported(self):
        first = self._manager(host='conductor-a')
        first.drain_host(self.ctxt, 'src')
        self.gate.set()
        first._drains['src'].wait(10)
        self.instances.append(_instance(name='later'))
        self.cloud.instances[self.instances[1].uuid] = self.instances[1]
        second = self._manager(host='conductor-b')
        second.drain_host(self.ctxt, 'src')
        second._drains['src'].wait(10)
        # The first conductor's own drain is older: it answers with the
        # newer one, from the database.
        seen = first.drain_status(self.ctxt, 'src')
        # (The fakes leave the first instance on src: it is in both.)
        self.assertEqual(
            sorted(i.uuid for i in self.instances),
            sorted(e.instance_uuid for e in seen.entries))

    def test_drain_running_under_a_live_conductor_is_refused(self):
        self._manager(host='conductor-a').drain_host(self.ctxt, 'src')
        exc = self.assertRaises(exception.HostDrainInProgress,
                                self._manager(host='conductor-b').drain_host,
                                self.ctxt, 'src')
        self.assertIn('run by the conductor conductor-a', str(exc))

    def test_drain_of_a_dead_conductor_is_taken_over(self):
        first = self._manager(host='conductor-a')
        first.drain_host(self.ctxt, 'src')
        self.up['conductor-a'] = False
        # The instance is free again (its move ended in rollback).
        self.cloud.instances[self.instances[0].uuid].task_state = None
        second = self._manager(host='conductor-b')
        second.drain_host(self.ctxt, 'src')
        row = db.host_drain_get(self.ctxt, 'src')
        self.assertEqual('conductor-b', row['conductor'])
        # The first conductor, had it lived, can no longer overwrite it.
        self.assertFalse(drain_records.save(
            self.ctxt, first.drain_status(self.ctxt, 'src'), 'conductor-a'))

    def test_restarted_conductor_reports_its_drains_interrupted(self):
        self.instances.append(_instance(name='second'))
        self.cloud.instances[self.instances[1].uuid] = self.instances[1]
        first = self._manager(host='conductor-a')
        started = first.drain_host(self.ctxt, 'src')
        self.assertEqual([RESULT.MOVING, RESULT.QUEUED],
                         [e.result for e in started.entries])
        # The move asked for had completed by the time it restarted.
        moving = started.entries[0]
        self.cloud.migrations[moving.migration_uuid] = _migration(
            self.instances[0], uuid=moving.migration_uuid, dest='dst')
        again = self._manager(host='conductor-a')
        again.init_host(self.ctxt)
        seen = again.drain_status(self.ctxt, 'src')
        self.assertEqual(host_drain.DrainState.INTERRUPTED, seen.state)
        self.assertEqual([(RESULT.MOVED, 'dst'), (RESULT.REFUSED, None)],
                         [(e.result, e.dest) for e in seen.entries])
        self.assertIn('conductor-a restarted', seen.entries[1].error)
        self.assertIsNotNone(seen.finished_at)
        # Not running any more: the host may be drained again.
        self.assertEqual([], drain_records.interrupt_own(self.ctxt,
                                                         'conductor-a'))
