import threading
import time

import ddt
from oslotest import base

from nova.sim import clock


@ddt.ddt
class VirtualClockTestCase(base.BaseTestCase):

    def setUp(self):
        super(VirtualClockTestCase, self).setUp()
        self.clock = clock.VirtualClock()
        self.calls = []

    def _ticker(self, now, dt):
        self.calls.append((now, dt))

    def test_starts_at_zero(self):
        self.assertEqual(0.0, self.clock.now())
        self.assertEqual(0.05, self.clock.tick)

    def test_sleep_advances_time(self):
        self.clock.sleep(1.5)
        self.clock.sleep(0.25)
        self.assertAlmostEqual(1.75, self.clock.now())

    @ddt.data((0.5, 10), (0.05, 1), (0.01, 1), (0.26, 6), (3.0, 60))
    @ddt.unpack
    def test_tickers_get_sub_steps(self, seconds, steps):
        self.clock.add_ticker(self._ticker)
        self.clock.sleep(seconds)
        self.assertEqual(steps, len(self.calls))
        self.assertTrue(all(dt <= self.clock.tick + 1e-12
                            for _now, dt in self.calls))
        self.assertAlmostEqual(seconds, sum(dt for _now, dt in self.calls))
        self.assertAlmostEqual(seconds, self.calls[-1][0])
        times = [now for now, _dt in self.calls]
        self.assertEqual(sorted(times), times)

    def test_custom_tick(self):
        clk = clock.VirtualClock(tick=0.2)
        clk.add_ticker(self._ticker)
        clk.sleep(1.0)
        self.assertEqual(5, len(self.calls))

    def test_remove_ticker(self):
        self.clock.add_ticker(self._ticker)
        self.clock.add_ticker(self._ticker)
        self.clock.sleep(0.1)
        self.clock.remove_ticker(self._ticker)
        self.clock.remove_ticker(self._ticker)
        self.clock.sleep(0.1)
        self.assertEqual(2, len(self.calls))
        self.assertEqual([], self.clock.tickers)

    def test_ticker_may_remove_itself(self):
        def once(now, dt):
            self.calls.append(now)
            self.clock.remove_ticker(once)
        self.clock.add_ticker(once)
        self.clock.sleep(1.0)
        self.assertEqual(1, len(self.calls))

    def test_zero_sleep_does_not_tick(self):
        self.clock.add_ticker(self._ticker)
        self.clock.sleep(0)
        self.assertEqual([], self.calls)
        self.assertEqual(0.0, self.clock.now())

    def test_negative_sleep_and_tick_rejected(self):
        self.assertRaises(ValueError, self.clock.sleep, -1)
        self.assertRaises(ValueError, clock.VirtualClock, 0)

    def test_concurrent_sleepers_add_up(self):
        self.clock.add_ticker(self._ticker)

        def sleeper():
            for _ in range(20):
                self.clock.sleep(0.5)
        threads = [threading.Thread(target=sleeper) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        self.assertAlmostEqual(40.0, self.clock.now())
        self.assertEqual(800, len(self.calls))


class RealClockTestCase(base.BaseTestCase):

    def test_now_and_sleep(self):
        clk = clock.RealClock()
        start = clk.now()
        self.assertLessEqual(abs(start - time.monotonic()), 1.0)
        clk.sleep(0.01)
        self.assertGreaterEqual(clk.now() - start, 0.009)
