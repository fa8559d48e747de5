from unittest import mock

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
