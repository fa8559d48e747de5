import ddt
from oslotest import base

from nova.sim import links


def series(profile, until=600.0, step=0.5):
    t, out = 0.0, []
    while t < until:
        out.append(profile.capacity(t))
        t += step
    return out


@ddt.ddt
class LinkProfileTestCase(base.BaseTestCase):

    def test_plain_link(self):
        link = links.LinkProfile(1000)
        self.assertEqual([1000.0] * 10, series(link, 5))
        self.assertEqual(0.0, link.competing_demand(3))
        self.assertEqual(0.25, link.draw_setup_time(0.25))
        self.assertAlmostEqual(0.5, link.rtt_ms)

    def test_same_seed_same_link(self):
        def make(seed):
            return links.LinkProfile(
                1000, jitter=0.1, dips=links.Dips(60, 10, 0.5),
                flaky=links.Flaky(120, 5), seed=seed)
        first, again, other = make(7), make(7), make(8)
        self.assertEqual(series(first), series(again))
        self.assertNotEqual(series(first), series(other))
        # Asking out of order, or twice, changes nothing.
        late = make(7)
        self.assertEqual(late.capacity(400.0), first.capacity(400.0))
        self.assertEqual(series(late), series(first))

    def test_jitter_is_bounded_and_per_period(self):
        link = links.LinkProfile(1000, jitter=0.1, jitter_period_s=2.0,
                                 seed=1)
        values = series(link, 400)
        self.assertTrue(all(750 <= v <= 1250 for v in values))
        self.assertGreater(len(set(values)), 50)
        self.assertEqual(link.capacity(10.0), link.capacity(11.9))

    def test_dips_take_their_depth(self):
        link = links.LinkProfile(1000, dips=links.Dips(30, 10, 0.7),
                                 seed=3)
        values = set(series(link, 600))
        self.assertEqual({1000.0, 300.0}, {round(v, 6) for v in values})

    def test_flaky_link_drops(self):
        link = links.LinkProfile(1000, flaky=links.Flaky(40, 8, max_s=20),
                                 seed=5)
        drops = link.drops_between(0, 1200)
        self.assertGreater(len(drops), 10)
        self.assertTrue(all(0 < end - start <= 20 for start, end in drops))
        start, end = drops[0]
        self.assertTrue(link.down((start + end) / 2))
        self.assertEqual(0.0, link.capacity((start + end) / 2))

    def test_given_drops(self):
        link = links.LinkProfile(1000, drops=[(10, 5)])
        link.add_drop(100, 1)
        self.assertFalse(link.down(9.9))
        self.assertTrue(link.down(10))
        self.assertFalse(link.down(15))
        self.assertTrue(link.down(100.5))
        self.assertEqual([(10.0, 15.0)], link.drops_between(0, 50))

    def test_competing_traffic_on_and_off(self):
        steady = links.LinkProfile(1000, competing=links.Competing(300))
        self.assertEqual(300, steady.competing_demand(12))
        bursty = links.LinkProfile(
            1000, competing=links.Competing(300, on_s=10, off_s=20), seed=2)
        demands = {bursty.competing_demand(t / 2.0) for t in range(2000)}
        self.assertEqual({0.0, 300}, demands)

    def test_setup_time_spread(self):
        link = links.LinkProfile(1000, setup_time_s=2.0, setup_jitter=0.5,
                                 seed=4)
        draws = [link.draw_setup_time(0) for _ in range(50)]
        self.assertTrue(all(1.0 <= d <= 3.0 for d in draws))
        self.assertGreater(len(set(draws)), 40)
        again = links.LinkProfile(1000, setup_time_s=2.0, setup_jitter=0.5,
                                  seed=4)
        self.assertEqual(draws, [again.draw_setup_time(0)
                                 for _ in range(50)])

    @ddt.data(dict(bandwidth_mbps=0), dict(bandwidth_mbps=float('inf')),
              dict(bandwidth_mbps=1, jitter=1.0),
              dict(bandwidth_mbps=1, jitter_period_s=0),
              dict(bandwidth_mbps=1, dips=links.Dips(1, 1, 1.5)))
    def test_bad_values(self, kwargs):
        self.assertRaises(ValueError, links.LinkProfile, **kwargs)


class FairSharesTestCase(base.BaseTestCase):

    def flow(self, key, demand=links.INFINITE, resources=('l',)):
        return links.Flow(key, demand, resources)

    def test_one_flow(self):
        shares = links.fair_shares([self.flow('a', 300)], {'l': 1000})
        self.assertEqual((300, 1000), shares['a'])

    def test_equal_split(self):
        shares = links.fair_shares([self.flow(k) for k in 'abcd'],
                                   {'l': 1000})
        self.assertEqual({(250.0, 250.0)}, set(shares.values()))

    def test_capped_flow_leaves_the_rest(self):
        shares = links.fair_shares(
            [self.flow('a', 100), self.flow('b'), self.flow('c')],
            {'l': 1000})
        self.assertAlmostEqual(100, shares['a'][0])
        # The capped one would get its equal share without its cap.
        self.assertAlmostEqual(1000 / 3.0, shares['a'][1])
        self.assertAlmostEqual(450, shares['b'][0])
        self.assertAlmostEqual(450, shares['c'][0])

    def test_nic_is_the_bottleneck(self):
        # Three migrations out of one host with a 600 MiB/s NIC, over
        # three 1000 MiB/s links; a fourth elsewhere is not slowed.
        flows = [self.flow(k, resources=('nic', 'l' + k)) for k in 'abc']
        flows.append(self.flow('d', resources=('ld',)))
        caps = {'nic': 600, 'la': 1000, 'lb': 1000, 'lc': 1000,
                'ld': 1000}
        shares = links.fair_shares(flows, caps)
        for key in 'abc':
            self.assertAlmostEqual(200, shares[key][0])
        self.assertAlmostEqual(1000, shares['d'][0])

    def test_link_down(self):
        shares = links.fair_shares([self.flow('a'), self.flow('b')],
                                   {'l': 0.0})
        self.assertEqual((0.0, 0.0), shares['a'])
