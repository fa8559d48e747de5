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
