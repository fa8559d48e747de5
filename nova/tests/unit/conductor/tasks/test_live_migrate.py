"""LiveMigrationTask: what is refused before anything is written."""

from unittest import mock

from oslo_utils import uuidutils

from nova.conductor.tasks import live_migrate
from nova import exception
from nova import objects
from nova.objects import fields
from nova import test


def _instance(vm_state=fields.VMState.ACTIVE,
              task_state=fields.TaskState.MIGRATING, **specs):
    return objects.Instance(
        uuid=uuidutils.generate_uuid(), project_id='p', user_id='u',
        host='src', node='src', vm_state=vm_state, task_state=task_state,
        system_metadata={}, image_ref=None,
        flavor=objects.Flavor(flavorid='f', name='f', vcpus=1,
                              memory_mb=512, extra_specs=specs))


class PreCheckTestCase(test.NoDBTestCase):

    def _task(self, instance, destination=None, traits=None, up=True):
        self.rpc = mock.Mock()
        self.rpc.is_up.return_value = up
        self.report = mock.Mock()
        self.report.get_providers.return_value = [
            {'name': 'src', 'uuid': 'rp-src'},
            {'name': 'dst', 'uuid': 'rp-dst'}]
        traits = traits or {}
        self.report.get_traits.side_effect = lambda rp: traits.get(rp, [])
        return live_migrate.LiveMigrationTask(
            mock.Mock(), instance, mock.Mock(), destination, False, False,
            self.rpc, mock.Mock(), self.report)

    def assert_nothing_written(self):
        self.report.move_allocations.assert_not_called()
        self.report.claim_resources.assert_not_called()
        self.rpc.call.assert_not_called()

    def test_state(self):
        task = self._task(_instance(vm_state=fields.VMState.STOPPED))
        exc = self.assertRaises(exception.InstanceInvalidState, task.check)
        self.assertIn('stopped/migrating', str(exc))
        # Not marked by the compute API, or marked for another task.
        for task_state in (None, fields.TaskState.REBUILDING):
            task = self._task(_instance(task_state=task_state))
            self.assertRaises(exception.InstanceInvalidState, task.check)
        self.assert_nothing_written()

    def test_policy_conflict(self):
        task = self._task(_instance(**{
            'compute:live_migration_post_copy': 'true',
            'compute:live_migration_auto_converge': 'true'}))
        self.assertRaises(exception.Invalid, task.check)
        self.assert_nothing_written()

    def test_same_host_and_down_services(self):
        task = self._task(_instance(), destination='src')
        exc = self.assertRaises(exception.MigrationPreCheckError, task.check)
        self.assertIn('already runs on src', str(exc))
        task = self._task(_instance(), up=False)
        self.assertRaises(exception.ComputeServiceUnavailable, task.check)

    def test_vpmem_needs_the_trait_on_both_hosts(self):
        trait = live_migrate.VPMEM_TRAIT
        inst = _instance(**{'hw:pmem': 'SMALL'})
        task = self._task(inst, destination='dst',
                          traits={'rp-src': [trait]})
        exc = self.assertRaises(exception.VPMEMLiveMigrationUnsupported,
                                task.check)
        self.assertIn('host dst', str(exc))
        task = self._task(inst, traits={'rp-dst': [trait]})
        exc = self.assertRaises(exception.VPMEMLiveMigrationUnsupported,
                                task.check)
        self.assertIn('host src', str(exc))
        self.assert_nothing_written()
        task = self._task(inst, destination='dst',
                          traits={'rp-src': [trait], 'rp-dst': [trait]})
        task.check()
        self.assertIn(trait, task._request_spec().root_required)
