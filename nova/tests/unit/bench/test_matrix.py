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
        # 8 classes of single guests, a drain, and the rebalances of
        # B, C and D (2 each in the quick run, 3 each in the full one).
        self.assertEqual(8 * 2 + 1 + 3 * 2, len(quick))
        self.assertEqual(8 * 6 + 1 + 4 + 3 * 3, len(full))
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
                self.assertIn(guest.tier, ('cattle', 'pet', 'panda'))
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


class TiersAndPurposesTestCase(base.BaseTestCase):

    def test_fixed_rotation_of_tiers(self):
        cases = matrix.build()
        for case in cases:
            if case.klass in ('H', 'R'):
                continue
            index = [c.name for c in cases
                     if c.klass == case.klass].index(case.name)
            if case.name == 'C-128G-10GbE':
                index = 1  # built as the second combination's guest
            self.assertEqual(matrix.TIER_MIX[
                (index + matrix.CLASSES.index(case.klass)) % 3],
                case.guests[0].tier, case.name)
        for case in matrix.build(classes=('H',)):
            self.assertEqual([matrix.TIER_MIX[i % 3]
                              for i in range(len(case.guests))],
                             [g.tier for g in case.guests])
        # Every class meets every tier, the quick run too (A-G: 2 cases
        # each give two of the three; over the classes all three).
        quick = {g.tier for c in matrix.build(quick=True) for g in c.guests}
        self.assertEqual({'cattle', 'pet', 'panda'}, quick)

    def test_purposes(self):
        purposes = {c.klass: c.purpose for c in matrix.build()}
        self.assertEqual('evacuate-host', purposes['H'])
        self.assertEqual('rebalance', purposes['R'])
        self.assertEqual({'maintenance'}, {
            p for k, p in purposes.items() if k not in ('H', 'R')})

    def test_rebalances_copy_their_cases(self):
        cases = {c.name: c for c in matrix.build(quick=True)}
        for name, case in cases.items():
            if case.klass != 'R':
                continue
            original = cases[case.seed_of]
            self.assertEqual('R-' + original.name, name)
            self.assertEqual(original.seed, case.seed)
            self.assertEqual(original.guests[0].workload,
                             case.guests[0].workload)
            self.assertEqual(original.guests[0].tier, case.guests[0].tier)
            self.assertEqual(original.link, case.link)
            limits = case.limits(case.guests[0])
            self.assertEqual(0, limits.throttle_pct.value)
            self.assertFalse(limits.allows_post_copy(True))
            self.assertFalse(limits.pause.value)

    def test_limits_follow_the_tier(self):
        case = matrix.build(quick=True, classes=('H',))[0]
        for guest in case.guests:
            limits = case.limits(guest)
            self.assertEqual(guest.tier, limits.tier)
            self.assertEqual('evacuate-host', limits.purpose)
