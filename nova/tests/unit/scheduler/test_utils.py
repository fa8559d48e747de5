from nova import objects
from nova.scheduler import utils
from nova import test


class ResourcesTestCase(test.NoDBTestCase):

    def test_resources_from_flavor(self):
        flavor = objects.Flavor(flavorid='f', name='f', vcpus=2,
                                memory_mb=2048, root_gb=10, swap=512,
                                extra_specs={'hw:pmem': '4GB,4GB,LARGE'})
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 2048, 'DISK_GB': 11,
                          'CUSTOM_PMEM_NAMESPACE_4GB': 2,
                          'CUSTOM_PMEM_NAMESPACE_LARGE': 1},
                         utils.resources_from_flavor(flavor))

    def test_diskless(self):
        flavor = objects.Flavor(flavorid='f', name='f', vcpus=1,
                                memory_mb=64)
        self.assertEqual('VCPU:1,MEMORY_MB:64', utils.format_resources(
            utils.resources_from_flavor(flavor)))

    def test_format_traits(self):
        self.assertEqual('A,B,!C,!D', utils.format_traits({'B', 'A'},
                                                          {'D', 'C'}))
        self.assertEqual('', utils.format_traits())
