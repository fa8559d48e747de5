"""PacedClock: simulated time that follows real time."""

import ddt

from nova.sim import paced_clock
from nova import test


class _Real(object):
    """A fake monotonic clock and sleep."""

    def __init__(self):
        self.now = 100.0
        self.slept = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)


@ddt.ddt
class PacedClockTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.real = _Real()
        self.clock = paced_clock.PacedClock(
            factor=10, tick=0.05, monotonic=self.real.monotonic,
            real_sleep=self.real.sleep)

    def test_now_is_scaled_real_time(self):
        self.assertEqual(0.0, self.clock.now())
        self.real.now += 1.5
        self.assertAlmostEqual(15.0, self.clock.now())

    def test_sleep_is_real_sleep_divided(self):
        self.clock.sleep(0.5)
        self.clock.sleep(0)
        self.assertEqual([0.05], self.real.slept)
        self.assertRaises(ValueError, self.clock.sleep, -1)

    def test_drive_ticks_in_slices_up_to_now(self):
        calls = []
        self.clock.add_ticker(lambda now, dt: calls.append((now, dt)))
        self.assertEqual(0, self.clock.drive())
        self.real.now += 0.02  # 0.2 simulated seconds: four slices
        self.assertEqual(4, self.clock.drive())
        self.assertEqual([0.05, 0.1, 0.15, 0.2],
                         [round(now, 6) for now, _dt in calls])
        self.assertTrue(all(abs(dt - 0.05) < 1e-9 for _now, dt in calls))
        self.assertEqual(0, self.clock.drive())

    def test_starved_drive_catches_up_in_bounded_steps(self):
        calls = []
        self.clock.add_ticker(lambda now, dt: calls.append(dt))
        self.real.now += 100  # 1000 simulated seconds at once
        self.assertEqual(paced_clock.MAX_STEPS_PER_DRIVE,
                         self.clock.drive())
        self.assertAlmostEqual(1000.0, sum(calls))

    def test_ticker_added_later_starts_from_then(self):
        self.real.now += 1
        self.clock.drive()
        calls = []
        self.clock.add_ticker(lambda now, dt: calls.append(now))
        self.real.now += 0.005
        self.clock.drive()
        self.assertEqual(10.05, round(calls[0], 6))

    def test_failing_ticker_is_removed_others_go_on(self):
        seen = []

        def broken(now, dt):
            raise RuntimeError('boom')
        self.clock.add_ticker(broken)
        self.clock.add_ticker(lambda now, dt: seen.append(now))
        self.real.now += 0.01
        self.clock.drive()
        self.assertEqual(1, len(self.clock.tickers))
        self.assertEqual(2, len(seen))
        self.clock.remove_ticker(broken)  # unknown: ignored

    @ddt.data('nan', 'inf', '-1', '0', '1001', 'fast', None)
    def test_bad_factor_refused(self, factor):
        exc = self.assertRaises(ValueError, paced_clock.check_factor, factor)
        self.assertIn('clock factor', str(exc))

    def test_thread_drives_real_time(self):
        import threading

        clock = paced_clock.PacedClock(factor=100, period=0.005)
        ticked = threading.Event()
        clock.add_ticker(lambda now, dt: ticked.set())
        clock.start()
        clock.start()
        self.addCleanup(clock.stop)
        self.assertTrue(ticked.wait(10))
        clock.stop()
        clock.stop()
