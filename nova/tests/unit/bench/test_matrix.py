"""The workload matrix is fixed, covers every class, and means what it says."""

from oslotest import base

from nova.bench import matrix
from nova.bench import simenv


class MatrixTestCase(base.BaseTestCase):

    def test_quick_and_full(self):
        quick = matrix.build(quick=True)
        full = matrix.build()
        self.assertEqual(list(matrix.CLASSES),
                         sorted({c.klass for c in quick},
                                key=matrix.CLASSES.index))
        self.assertEqual(8 * 2 + 1, len(quick))
        self.assertEqual(8 * 6 + 1 + 4, len(full))
        sizes = {g.ram_gib for c in full if not c.drain for g in c.guests}
        self.assertEqual({2, 8, 32, 128}, sizes)
        self.assertEqual({2, 8}, {g.ram_gib for c in quick if not c.drain
                                  for g in c.guests})
        self.assertEqual({'1GbE', '10GbE'}, {c.link_name for c in full})
        names = [c.name for c in full]
        self.assertEqual(len(names), len(set(names)))

    def test_same_matrix_every_time(self):
        self.assertEqual(matrix.build(), matrix.build())
        self.assertEqual(['A', 'H'], sorted({c.klass for c in matrix.build(
            quick=True, classes=('A', 'H'))}))

    def test_classes_mean_what_they_say(self):
        for case in matrix.build():
            r = case.bandwidth_mbps
            for guest in case.guests:
                w = guest.workload
                self.assertLessEqual(w['wws_mb'], guest.ram_mb)
                self.assertEqual(1000, guest.downtime_limit_ms)
                if guest.kind == 'A':
                    self.assertLessEqual(w['dirty_rate_mbps'], 0.02 * r)
                if guest.kind == 'B' and w['wws_mb'] < guest.ram_mb / 2:
                    self.assertTrue(0.29 <= w['wws_mb'] / r <= 3.01)
                if guest.kind in ('C', 'D'):
                    self.assertGreater(w['dirty_rate_mbps'], r)
                    self.assertEqual(1.0 if guest.kind == 'C' else 0.2,
                                     w['cpu_bound_fraction'])
                if guest.kind == 'G':
                    self.assertTrue(guest.block)
                    self.assertGreater(guest.disk_gb, 0)

    def test_bursts_meet_the_first_pass(self):
        for case in matrix.build(classes=('E',)):
            guest = case.guests[0]
            first_pass = guest.ram_mb * 0.8 / case.bandwidth_mbps
            first_burst = guest.phases[0][0]
            self.assertLess(first_burst, 0.4 * first_pass + 31)
            # 10 s high, 50 s quiet, on and on.
            self.assertEqual(10.0, guest.phases[1][0] - first_burst)
            self.assertEqual(60.0, guest.phases[2][0] - first_burst)
            self.assertGreater(guest.phases[-1][0],
                               matrix.HORIZON_S_PER_GIB * guest.ram_gib)

    def test_drop_half_way_through_the_first_pass(self):
        for case in matrix.build(classes=('F',)):
            (at, seconds), = case.link['drops']
            half = 0.5 * case.bound_s() + 0.5
            self.assertAlmostEqual(half, at, delta=0.1)
            self.assertIn(seconds, (10, 20, 40))

    def test_drains(self):
        drains = matrix.build(classes=('H',))
        self.assertEqual([12, 20, 12, 20], [len(c.guests) for c in drains])
        for case in drains:
            self.assertTrue(case.drain)
            self.assertTrue({g.kind for g in case.guests} <= set('ABCD'))
            self.assertGreater(len({g.kind for g in case.guests}), 1)
            self.assertAlmostEqual(
                sum(g.bytes_bound_mb() for g in case.guests) /
                case.bandwidth_mbps, case.bound_s())

    def test_link_profile(self):
        case = matrix.build(quick=True, classes=('F2',))[0]
        link = simenv.link_profile(case)
        self.assertEqual(case.bandwidth_mbps, link.bandwidth)
        self.assertEqual(0.05, link.jitter)
        self.assertEqual(40, link.flaky.every_s)
        self.assertGreater(len(link.drops_between(0, 3600)), 20)
