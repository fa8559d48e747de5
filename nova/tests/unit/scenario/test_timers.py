"""Tests of scenario timers (nova.scenario.timers)."""

import threading

import fixtures

from nova.scenario import timers
from nova.sim import clock as sim_clock
from nova import test

TICK = 0.05


class VirtualClockTimersTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.clock = sim_clock.VirtualClock(tick=TICK)
        self.timers = timers.Timers(self.clock)
        self.addCleanup(self.timers.close)

    def _recorder(self, calls, label=None):
        def record():
            calls.append((label, self.clock.now()))
        return record

    def test_registers_a_ticker_and_no_thread(self):
        self.assertIsNone(self.timers._thread)
        self.assertIn(self.timers._tick, self.clock.tickers)

    def test_at_fires_once_when_the_clock_passes(self):
        calls = []
        self.timers.at(1.0, self._recorder(calls))
        self.clock.sleep(0.9)
        self.assertEqual([], calls)
        self.clock.sleep(0.5)
        self.assertEqual(1, len(calls))
        seen = calls[0][1]
        self.assertGreaterEqual(seen, 1.0 - 1e-9)
        self.assertLessEqual(seen, 1.0 + TICK + 1e-9)
        self.clock.sleep(5)
        self.assertEqual(1, len(calls))

    def test_at_off_the_tick_grid(self):
        calls = []
        self.timers.at(0.123, self._recorder(calls))
        self.clock.sleep(0.1)
        self.assertEqual([], calls)
        self.clock.sleep(1)
        self.assertEqual(1, len(calls))
        self.assertGreaterEqual(calls[0][1], 0.123)
        self.assertLessEqual(calls[0][1], 0.123 + TICK + 1e-9)

    def test_at_in_order(self):
        calls = []
        self.timers.at(2.0, self._recorder(calls, 'b'))
        self.timers.at(1.0, self._recorder(calls, 'a'))
        self.timers.at(2.0, self._recorder(calls, 'c'))
        self.clock.sleep(3)
        self.assertEqual(['a', 'b', 'c'], [label for label, _ in calls])

    def test_at_in_the_past_fires_on_next_tick(self):
        self.clock.sleep(2)
        calls = []
        self.timers.at(1.0, self._recorder(calls))
        self.assertEqual([], calls)
        self.clock.sleep(TICK)
        self.assertEqual(1, len(calls))

    def test_after(self):
        self.clock.sleep(3)
        calls = []
        self.timers.after(2.0, self._recorder(calls))
        self.clock.sleep(1.9)
        self.assertEqual([], calls)
        self.clock.sleep(0.2)
        self.assertEqual(1, len(calls))
        self.assertGreaterEqual(calls[0][1], 5.0 - 1e-9)
        self.assertLessEqual(calls[0][1], 5.0 + TICK + 1e-9)

    def test_every_repeats_until_cancelled(self):
        calls = []
        handle = self.timers.every(1.0, self._recorder(calls))
        self.clock.sleep(0.9)
        self.assertEqual([], calls)
        self.clock.sleep(3.2)   # t = 4.1
        self.assertEqual(4, len(calls))
        for n, (_label, seen) in enumerate(calls, 1):
            self.assertGreaterEqual(seen, n - 1e-9)
            self.assertLessEqual(seen, n + TICK + 1e-9)
        self.timers.cancel(handle)
        self.clock.sleep(5)
        self.assertEqual(4, len(calls))

    def test_every_cancelled_from_inside(self):
        calls = []
        handle = {}

        def fn():
            calls.append(self.clock.now())
            if len(calls) == 2:
                self.timers.cancel(handle['h'])
        handle['h'] = self.timers.every(0.5, fn)
        self.clock.sleep(10)
        self.assertEqual(2, len(calls))

    def test_cancel(self):
        calls = []
        handle = self.timers.at(1.0, self._recorder(calls, 'cancelled'))
        self.timers.at(1.0, self._recorder(calls, 'kept'))
        self.timers.cancel(handle)
        self.assertTrue(handle['cancelled'])
        self.clock.sleep(2)
        self.assertEqual(['kept'], [label for label, _ in calls])

    def test_exception_is_logged_not_raised(self):
        logger = self.useFixture(fixtures.FakeLogger(
            name='nova.scenario.timers'))
        calls = []

        def boom():
            raise RuntimeError('scenario action broke')
        self.timers.at(1.0, boom)
        self.timers.at(1.0, self._recorder(calls))
        # Must not raise out of the sleeper.
        self.clock.sleep(2)
        self.assertEqual(2.0, self.clock.now())
        self.assertIn('A scenario timer failed', logger.output)
        self.assertIn('scenario action broke', logger.output)
        # The timer after the failing one still ran.
        self.assertEqual(1, len(calls))

    def test_wait_until_advances_the_clock(self):
        calls = []
        self.timers.at(2.5, self._recorder(calls))
        self.timers.wait_until(3.0)
        self.assertAlmostEqual(3.0, self.clock.now())
        self.assertEqual(1, len(calls))

    def test_wait_until_past_is_a_noop(self):
        self.clock.sleep(5)
        self.timers.wait_until(4.0)
        self.assertEqual(5.0, self.clock.now())
        self.timers.wait_until(5.0)
        self.assertEqual(5.0, self.clock.now())

    def test_close_removes_the_ticker(self):
        calls = []
        self.timers.at(1.0, self._recorder(calls))
        self.timers.close()
        self.assertNotIn(self.timers._tick, self.clock.tickers)
        self.clock.sleep(2)
        self.assertEqual([], calls)

    def test_fire_due_explicit_time(self):
        calls = []
        self.timers.at(7.0, self._recorder(calls))
        self.timers.fire_due(6.9)
        self.assertEqual([], calls)
        self.timers.fire_due(7.0)
        self.assertEqual(1, len(calls))

    def test_callback_sleeping_on_the_clock_does_not_recurse(self):
        calls = []

        def sleeper():
            calls.append('sleeper')
            self.clock.sleep(1)     # ticks while a timer is firing
        self.timers.at(1.0, sleeper)
        self.timers.at(1.5, self._recorder(calls, 'later'))
        self.clock.sleep(1.0)
        # The 1.5 timer was not run re-entrantly inside sleeper's sleep.
        self.assertEqual(['sleeper'], calls)
        self.clock.sleep(TICK)
        self.assertEqual(['sleeper', 'later'],
                         [c if isinstance(c, str) else c[0] for c in calls])


class RealClockTimersTestCase(test.NoDBTestCase):

    def test_fires_on_the_real_clock_and_close_joins(self):
        clock = sim_clock.RealClock()
        t = timers.Timers(clock)
        self.addCleanup(t._stop.set)
        self.assertIsNotNone(t._thread)
        self.assertTrue(t._thread.is_alive())
        fired = threading.Event()
        t.after(0.2, fired.set)
        self.assertTrue(fired.wait(2.0))
        t.close()
        self.assertFalse(t._thread.is_alive())
