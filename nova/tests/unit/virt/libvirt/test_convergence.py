"""The estimates the SLA policy decides from, with plain values."""

import ddt

from nova import test
from nova.tests.unit.virt.libvirt.test_sla_policy import GIB
from nova.tests.unit.virt.libvirt.test_sla_policy import MIB
from nova.tests.unit.virt.libvirt.test_sla_policy import Passes
from nova.tests.unit.virt.libvirt.test_sla_policy import R
from nova.tests.unit.virt.libvirt.test_sla_policy import _job
from nova.virt.libvirt import convergence as cv


@ddt.ddt
class EstimatesTestCase(test.NoDBTestCase):

    def test_next_peaks_geometric_without_a_working_set(self):
        peaks = cv.next_peaks(1000.0, 0, 500.0, 1000.0, 3)
        self.assertEqual([500.0, 250.0, 125.0], peaks)

    def test_next_peaks_saturate_at_the_working_set(self):
        peaks = cv.next_peaks(4000.0, 1000.0, 3000.0, 1000.0, 2)
        self.assertTrue(all(900 < p <= 1000.0 for p in peaks), peaks)

    @ddt.data((0.5, 0.0), (0.9, 0.0), (2.0, 0.797), (3.0, 0.940))
    @ddt.unpack
    def test_plateau_of(self, ratio, share):
        # x = 1 - exp(-ratio x): only 0 below 1, the known roots above.
        plateau = cv.plateau_of(1000.0, 1000.0, ratio * 1000.0, 1000.0)
        self.assertAlmostEqual(share * 1000.0, plateau, delta=5.0)

    def test_downtime_for_bytes_and_max_target(self):
        self.assertEqual(115, cv.downtime_for_bytes(100 * MIB, 1000 * MIB))
        self.assertEqual(855, cv.max_target_ms(1000))
        self.assertEqual(225, cv.max_target_ms(300))

    def test_pass_peak_reconstructed_from_the_first_sample(self):
        passes = cv.Passes()
        passes.update(0.0, _job(300 * MIB, 1), R)
        # The sync came at 0.3 s (300 MiB at 1000 MiB/s); 0.2 s later
        # 200 MiB of the new pass are already sent.
        passes.update(0.5, _job(600 * MIB, 2), R)
        self.assertAlmostEqual(800 * MIB, passes.peak, delta=MIB)
        self.assertAlmostEqual(0.3, passes.first_sync_at)
        self.assertTrue(passes.first_done)

    def test_plateau_seen_and_implied_dirty_rate(self):
        passes = cv.Passes()
        for now, job in Passes([GIB, 800 * MIB, 790 * MIB, 785 * MIB,
                                780 * MIB]).samples():
            passes.update(now, job, R)
        self.assertIsNotNone(passes.plateau)
        self.assertGreater(passes.implied_dirty_rate(), 0.9 * R)

    def test_shrinking_passes_are_no_plateau(self):
        passes = cv.Passes()
        for now, job in Passes([GIB, 800 * MIB, 400 * MIB, 200 * MIB,
                                100 * MIB]).samples():
            passes.update(now, job, R)
        self.assertIsNone(passes.plateau)

    def test_link_estimate(self):
        link = cv.LinkEstimate()
        link.update(0.0, _job(GIB, 1, processed=0))
        link.update(0.5, _job(GIB, 1, processed=MIB))
        self.assertTrue(link.healthy)
        self.assertEqual(R, link.rate)
        # Nothing moves for two samples: stalled, a drop counted.
        for now in (1.0, 1.5, 2.0):
            link.update(now, _job(GIB, 1, bps=0, processed=MIB))
        self.assertTrue(link.stalled)
        self.assertEqual(1, link.drops)
        self.assertFalse(link.calm(2.0))
        link.update(2.5, _job(GIB, 1, processed=2 * MIB))
        self.assertFalse(link.stalled)
        self.assertTrue(link.shaky)
        self.assertFalse(link.calm(2.5))
        self.assertTrue(link.calm(2.5 + cv.CALM_S))
        # The rate kept its value through the drop.
        self.assertEqual(R, link.rate)
        link.update(8.0, _job(GIB, 1, bps=R / 10, processed=3 * MIB))
        self.assertTrue(link.collapsing)
        self.assertFalse(link.healthy)

    def test_predict(self):
        passes = cv.Passes()
        self.assertIsNone(cv.predict(passes, R, 0, 855))
        for now, job in Passes([GIB, 2 * GIB]).samples(until=2.1):
            passes.update(now, job, R)
        # A 2 GiB working set rewritten at 3 GiB/s over 1 GiB/s: never.
        miss = cv.predict(passes, R, 3 * GIB, 855)
        self.assertFalse(miss.converges)
        self.assertTrue(miss.solid)
        self.assertIsNone(miss.passes)
        self.assertGreater(miss.plateau_ms, 855)
        # Written slowly: it switches over after this pass.
        hit = cv.predict(passes, R, 100 * MIB, 855)
        self.assertTrue(hit.converges)
        self.assertTrue(hit.solid)
        self.assertEqual(0, hit.passes)
