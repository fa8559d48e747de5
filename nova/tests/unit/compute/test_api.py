from unittest import mock

import ddt

from nova.compute import api as compute_api
from nova import context
from nova import exception
from nova import objects
from nova.scheduler import manager
from nova import test


class CreateTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.scheduler = mock.Mock(spec=manager.SchedulerManager)
        self.scheduler.select_destinations.return_value = manager.Selection(
            'host1', 'rp1', {})
        self.api = compute_api.API(self.scheduler)
        self.ctxt = context.RequestContext(project_id='p', user_id='u')

    def _flavor(self, **specs):
        return objects.Flavor(flavorid='f', name='f', vcpus=1,
                              memory_mb=512, extra_specs=specs)

    def test_create(self):
        instance = self.api.create(
            self.ctxt,
            self._flavor(**{'compute:live_migration_post_copy': 'true'}),
            {'id': '4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f',
             'properties': {'compute_live_migration_auto_converge': 'no'}},
            display_name='vm1')
        self.assertEqual('host1', instance.host)
        self.assertEqual('vm1', instance.display_name)
        self.assertEqual(
            {'image_compute_live_migration_auto_converge': 'False'},
            instance.system_metadata)
        spec = self.scheduler.select_destinations.call_args[0][1]
        self.assertEqual(instance.uuid, spec.instance_uuid)
        self.assertEqual('p', spec.project_id)

    def test_refused_before_scheduling(self):
        for flavor, image in (
                (self._flavor(**{'compute:live_migration_post_copy': '1',
                                 'compute:live_migration_auto_converge':
                                     '1'}), {}),
                (self._flavor(**{'compute:foo': '1'}), {}),
                (self._flavor(), {'properties': {
                    'compute_live_migration_post_copy': 'maybe'}})):
            self.assertRaises(exception.Invalid, self.api.create, self.ctxt,
                              flavor, image)
        self.assertFalse(self.scheduler.select_destinations.called)


@ddt.ddt
class ValidateBootRequestTestCase(test.NoDBTestCase):
    """What a create refuses before anything is claimed; ``plan`` calls
    the same code.
    """

    def _flavor(self, vcpus=2, memory_mb=2048, root_gb=20, **specs):
        return objects.Flavor(flavorid='f', name='f', vcpus=vcpus,
                              memory_mb=memory_mb, root_gb=root_gb,
                              extra_specs=specs)

    def test_numa_nodes_above_vcpus(self):
        exc = self.assertRaises(
            exception.InvalidExtraSpec,
            compute_api.API.validate_boot_request,
            self._flavor(**{'hw:numa_nodes': '3'}), {})
        self.assertIn("hw:numa_nodes='3'", str(exc))
        self.assertIn("no larger than the flavor's 2 vCPUs", str(exc))

    def test_numa_nodes_equal_to_vcpus(self):
        compute_api.API.validate_boot_request(
            self._flavor(**{'hw:numa_nodes': '2'}), {})

    @ddt.data(
        ({'vcpus': 0}, 'vcpus=0: the vCPUs must be an integer from 1 to '
                       '4096'),
        ({'vcpus': 4097}, 'vcpus=4097'),
        ({'memory_mb': 0}, 'memory_mb=0: the memory in MiB must be an '
                           'integer from 1 to 16777216'),
        ({'memory_mb': 16 * 1024 * 1024 + 1}, 'memory_mb=16777217'),
        ({'root_gb': 1024 * 1024 + 1}, 'root_gb=1048577: the root disk in '
                                       'GiB must be an integer from 0'),
    )
    @ddt.unpack
    def test_sizes_out_of_bounds(self, sizes, words):
        exc = self.assertRaises(exception.InvalidFlavorSize,
                                compute_api.API.validate_boot_request,
                                self._flavor(**sizes), {})
        self.assertIn(words, str(exc))

    @ddt.data({'vcpus': -1}, {'memory_mb': -5}, {'root_gb': -1},
              {'vcpus': 10 ** 30}, {'vcpus': True}, {'vcpus': 2.5},
              {'memory_mb': '2048'})
    def test_plain_sizes_refused(self, sizes):
        self.assertRaises(exception.InvalidFlavorSize,
                          compute_api.API.validate_flavor_sizes, sizes)

    def test_largest_sizes_accepted(self):
        compute_api.API.validate_flavor_sizes({
            'vcpus': compute_api.MAX_VCPUS,
            'memory_mb': compute_api.MAX_MEMORY_MB,
            'root_gb': compute_api.MAX_DISK_GB})

    def test_create_refuses_before_scheduling(self):
        scheduler = mock.Mock(spec=manager.SchedulerManager)
        api = compute_api.API(scheduler)
        self.assertRaises(
            exception.InvalidExtraSpec, api.create,
            context.RequestContext(project_id='p', user_id='u'),
            self._flavor(**{'hw:numa_nodes': '3'}), {})
        scheduler.select_destinations.assert_not_called()


class MoveRequestTestCase(test.NoDBTestCase):
    """Requests that start a task mark the instance first (CAS)."""

    def setUp(self):
        super().setUp()
        from nova.objects import fields
        from nova.tests import fixtures as nova_fixtures

        self.fields = fields
        self.useFixture(nova_fixtures.Database())
        self.ctxt = context.get_admin_context()
        self.conductor = mock.Mock()
        self.rpc = mock.Mock()
        self.rpc.is_up.return_value = False
        self.api = compute_api.API(mock.Mock(), self.rpc, self.conductor)
        self.instance = objects.Instance(
            context=self.ctxt, uuid='9d0f6a2b-1c3e-4f5a-8b7c-6d5e4f3a2b1c',
            project_id='p', user_id='u', host='src', node='src',
            vm_state=fields.VMState.ACTIVE,
            flavor=objects.Flavor(flavorid='f', name='f', vcpus=1,
                                  memory_mb=512))
        self.instance.create()

    def _stored(self):
        return objects.Instance.get_by_uuid(self.ctxt, self.instance.uuid)

    def _migration(self, status):
        migration = objects.Migration(
            context=self.ctxt, uuid='2e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6',
            instance_uuid=self.instance.uuid,
            migration_type=self.fields.MigrationType.LIVE_MIGRATION,
            status=status, source_compute='src', dest_compute='dst')
        migration.create()
        return migration

    def test_live_migrate_marks_then_calls_the_conductor(self):
        # The conductor starts the move (a cast to the source) and returns
        # the record; the API follows it to its end, then asks the source
        # for the outcome.
        done = self._migration(self.fields.MigrationStatus.COMPLETED)

        def conductor_sees(ctxt, instance, **kw):
            self.assertEqual(self.fields.TaskState.MIGRATING,
                             self._stored().task_state)
            return done
        self.conductor.live_migrate_instance.side_effect = conductor_sees
        self.rpc.live_migration_outcome.return_value = 'outcome'
        migration, outcome = self.api.live_migrate(
            self.ctxt, self.instance, host='dst', force=True)
        self.assertEqual((done.uuid, 'outcome'), (migration.uuid, outcome))
        kwargs = self.conductor.live_migrate_instance.call_args[1]
        self.assertEqual(('dst', True), (kwargs['host'], kwargs['force']))
        self.rpc.live_migration_outcome.assert_called_once_with(
            self.ctxt, 'src', done.uuid)

    def test_purpose_goes_to_the_conductor(self):
        self.conductor.live_migrate_instance.return_value = self._migration(
            self.fields.MigrationStatus.COMPLETED)
        self.api.live_migrate(self.ctxt, self.instance,
                              purpose='evacuate-host')
        self.assertEqual('evacuate-host', self.conductor
                         .live_migrate_instance.call_args[1]['purpose'])

    def test_no_purpose_is_maintenance(self):
        self.conductor.live_migrate_instance.return_value = self._migration(
            self.fields.MigrationStatus.COMPLETED)
        self.api.live_migrate(self.ctxt, self.instance)
        self.assertEqual('maintenance', self.conductor
                         .live_migrate_instance.call_args[1]['purpose'])

    def test_bad_purpose_refused_before_the_task_state(self):
        for call in (self.api.live_migrate, self.api.live_migrate_async):
            exc = self.assertRaises(exception.InvalidMigrationPurpose, call,
                                    self.ctxt, self.instance,
                                    purpose='evacuate')
            self.assertIn("purpose='evacuate'", str(exc))
            self.assertIsNone(self._stored().task_state)
        self.conductor.live_migrate_instance.assert_not_called()

    def test_drain_host_waits_for_the_end_with_outcomes(self):
        self.flags(migration_poll_interval=0.01)
        running = mock.Mock(state='running')
        done = mock.Mock(state='drained')
        self.conductor.drain_status.side_effect = [running, done, done]
        self.assertIs(done, self.api.drain_host(self.ctxt, 'src'))
        self.conductor.drain_host.assert_called_once_with(self.ctxt, 'src')
        self.assertEqual(
            [mock.call(self.ctxt, 'src', outcomes=False)] * 2 +
            [mock.call(self.ctxt, 'src', outcomes=True)],
            self.conductor.drain_status.call_args_list)

    def test_drain_host_gives_up_waiting(self):
        self.flags(migration_wait_timeout=1, migration_poll_interval=0.01)
        running = mock.Mock(state='running')
        running.progress.return_value = '1 of 3 instances done, 2 moving'
        self.conductor.drain_status.return_value = running
        with mock.patch.object(compute_api.time, 'monotonic',
                               side_effect=[0, 0.5, 2]):
            exc = self.assertRaises(exception.HostDrainWaitTimeout,
                                    self.api.drain_host, self.ctxt, 'src')
        self.assertIn('1 of 3 instances done, 2 moving', str(exc))
        self.assertIn('goes on in the conductor', str(exc))

    def test_drain_refusal_raised(self):
        self.conductor.drain_host.side_effect = (
            exception.HostDrainHostDown(host='src'))
        self.assertRaises(exception.HostDrainHostDown, self.api.drain_host,
                          self.ctxt, 'src')
        self.conductor.drain_status.assert_not_called()

    def test_second_request_refused_before_the_conductor(self):
        stale = self._stored()
        self.conductor.live_migrate_instance.return_value = self._migration(
            self.fields.MigrationStatus.COMPLETED)
        self.api.live_migrate(self.ctxt, self.instance)
        # The stale copy still says idle: only the database knows better.
        self.assertIsNone(stale.task_state)
        self.assertRaises(exception.InstanceInvalidState,
                          self.api.live_migrate, self.ctxt, stale)
        self.assertRaises(exception.InstanceInvalidState,
                          self.api.evacuate, self.ctxt, self._stored())
        self.assertEqual(1, self.conductor.live_migrate_instance.call_count)
        self.conductor.evacuate_instance.assert_not_called()

    def test_state_refused_names_what_is_needed(self):
        self.instance.vm_state = self.fields.VMState.STOPPED
        self.instance.save()
        exc = self.assertRaises(exception.InstanceInvalidState,
                                self.api.live_migrate, self.ctxt,
                                self.instance)
        self.assertIn('stopped/idle', str(exc))
        self.assertIn('active or paused', str(exc))
        self.conductor.live_migrate_instance.assert_not_called()

    def test_evacuate_needs_the_host_down(self):
        self.rpc.is_up.return_value = True
        self.assertRaises(exception.ComputeServiceStillUp,
                          self.api.evacuate, self.ctxt, self.instance)
        self.assertIsNone(self._stored().task_state)

    def test_abort_refused_in_post_copy_by_the_api(self):
        self.instance.task_state = self.fields.TaskState.MIGRATING
        self.instance.save()
        migration = objects.Migration(
            context=self.ctxt, uuid='1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6',
            instance_uuid=self.instance.uuid,
            migration_type=self.fields.MigrationType.LIVE_MIGRATION,
            status=self.fields.MigrationStatus.POST_COPY,
            source_compute='src', dest_compute='dst')
        migration.create()
        exc = self.assertRaises(exception.MigrationAbortNotAllowed,
                                self.api.live_migrate_abort, self.ctxt,
                                self.instance)
        self.assertIn('post-copy', str(exc))
        self.conductor.live_migration_abort.assert_not_called()
        # Force-complete is fine (it is a no-op in post-copy).
        self.api.live_migrate_force_complete(self.ctxt, self.instance,
                                             migration.id)
        self.conductor.live_migration_force_complete.assert_called_once()

    def test_abort_without_a_migration(self):
        self.assertRaises(exception.NoActiveMigration,
                          self.api.live_migrate_abort, self.ctxt,
                          self.instance)

    def test_delete_on_a_down_host_is_local(self):
        self.api.delete(self.ctxt, self.instance)
        self.assertRaises(exception.InstanceNotFound, self._stored)
        self.api.scheduler.report_client.delete_allocation_for_consumer \
            .assert_called_once_with(self.instance.uuid)


class LiveMigrateAsyncTestCase(MoveRequestTestCase):
    """The REST API's entry: answer once accepted, run in the background."""

    def setUp(self):
        super().setUp()
        self.flags(migration_poll_interval=0.01)

    def test_returns_the_record_once_running_then_finishes(self):
        running = self._migration(self.fields.MigrationStatus.RUNNING)

        def conductor(ctxt, instance, **kw):
            self.assertEqual(self.fields.TaskState.MIGRATING,
                             self._stored().task_state)
            return running
        self.conductor.live_migrate_instance.side_effect = conductor
        migration = self.api.live_migrate_async(
            self.ctxt, self.instance, host='dst', accept_timeout=10)
        self.assertEqual(running.uuid, migration.uuid)
        self.assertIsNot(running, migration)
        self.assertEqual(1, self.api.wait_background(0.05))
        # The source ends it; the background follower sees that.
        running.status = self.fields.MigrationStatus.COMPLETED
        running.save()
        self.assertEqual(0, self.api.wait_background(10))

    def test_refusal_before_start_is_raised_to_the_caller(self):
        self.conductor.live_migrate_instance.side_effect = (
            exception.NoValidHost(reason='none fits'))
        exc = self.assertRaises(exception.NoValidHost,
                                self.api.live_migrate_async, self.ctxt,
                                self.instance, accept_timeout=10)
        self.assertIn('none fits', str(exc))
        self.assertEqual(0, self.api.wait_background(10))

    def test_compare_and_swap_refuses_in_the_caller(self):
        stale = self._stored()
        self.instance.task_state = self.fields.TaskState.MIGRATING
        self.instance.save()
        self.assertRaises(exception.InstanceInvalidState,
                          self.api.live_migrate_async, self.ctxt, stale)
        self.conductor.live_migrate_instance.assert_not_called()

    def test_undecided_within_the_timeout(self):
        import threading

        release = threading.Event()
        migration = self._migration(self.fields.MigrationStatus.COMPLETED)
        self.conductor.live_migrate_instance.side_effect = (
            lambda *a, **k: release.wait(10) and migration)
        self.assertIsNone(self.api.live_migrate_async(
            self.ctxt, self.instance, accept_timeout=0.05))
        release.set()
        self.assertEqual(0, self.api.wait_background(10))
