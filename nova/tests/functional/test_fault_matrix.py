"""Each cell of the fault matrix (see fault_matrix.py) as one test."""

import itertools

import ddt

from nova.tests.functional import fault_matrix
from nova.tests.functional import integrated_helpers as helpers

CELLS = list(itertools.product(fault_matrix.FAULTS, fault_matrix.KINDS))


@ddt.ddt
class FaultMatrixTestCase(helpers.DeploymentTestCase):

    @ddt.data(*CELLS)
    @ddt.unpack
    def test_cell(self, fault, kind):
        result = fault_matrix.run_cell(self.cloud, fault, kind)
        self.assertEqual(fault_matrix.FAULTS[fault].expect[kind],
                         (result.status, result.host, result.vm_state),
                         result.error)
        self.assertEqual([], result.problems)
        if result.status != fault_matrix.STATUS.COMPLETED:
            self.assertIsNotNone(result.error)
