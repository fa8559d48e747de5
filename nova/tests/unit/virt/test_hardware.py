import ddt

from nova import exception
from nova import objects
from nova import test
from nova.virt import hardware


@ddt.ddt
class VPMEMLabelsTestCase(test.NoDBTestCase):

    def _flavor(self, **specs):
        return objects.Flavor(flavorid='f', name='f', vcpus=1, memory_mb=1,
                              extra_specs=specs)

    def test_none(self):
        self.assertEqual([], hardware.get_vpmem_labels(self._flavor()))

    def test_order_and_repeats_kept(self):
        self.assertEqual(['4GB', '4GB', 'LARGE'], hardware.get_vpmem_labels(
            self._flavor(**{'hw:pmem': '4GB,4GB,LARGE'})))

    @ddt.data('', ' ', '4GB,', 'a b', '4GB|LARGE')
    def test_bad(self, value):
        exc = self.assertRaises(exception.InvalidExtraSpec,
                                hardware.get_vpmem_labels,
                                self._flavor(**{'hw:pmem': value}))
        self.assertIn('hw:pmem', str(exc))
