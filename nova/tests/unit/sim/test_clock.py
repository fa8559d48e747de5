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


class CoordinatedClockTestCase(base.BaseTestCase):
    """Several threads on one virtual clock: time passes once for all."""

    def setUp(self):
        super(CoordinatedClockTestCase, self).setUp()
        self.clock = clock.VirtualClock()
        self.events = []
        self.lock = threading.Lock()

    def note(self, what):
        with self.lock:
            self.events.append((round(self.clock.now(), 6), what))

    def run_participants(self, *targets):
        """Start every target as a participant under hold(); join them."""
        threads = []
        with self.clock.coordinate():
            with self.clock.hold():
                for index, target in enumerate(targets):
                    thread = threading.Thread(
                        target=self._body, args=(target,),
                        name='p%d' % index)
                    thread.start()
                    threads.append(thread)
                    self.clock.settle()
            for thread in threads:
                thread.join(20)
                self.assertFalse(thread.is_alive())

    def _body(self, target):
        with self.clock.participant():
            target()

    def sleeper(self, name, times, seconds=0.5):
        def body():
            for _ in range(times):
                self.clock.sleep(seconds)
                self.note(name)
        return body

    def test_concurrent_sleepers_share_time(self):
        # Uncoordinated they would add up to 40 s (see above).
        ticks = []
        self.clock.add_ticker(lambda now, dt: ticks.append(dt))
        self.run_participants(*[self.sleeper('s%d' % i, 20)
                                for i in range(4)])
        self.assertAlmostEqual(10.0, self.clock.now())
        self.assertAlmostEqual(10.0, sum(ticks))
        self.assertEqual(200, len(ticks))

    def test_interleaving_is_the_same_every_time(self):
        runs = []
        for _ in range(3):
            self.clock = clock.VirtualClock()
            self.events = []
            self.run_participants(self.sleeper('a', 6, 0.5),
                                  self.sleeper('b', 4, 0.75),
                                  self.sleeper('c', 3, 1.0))
            runs.append(list(self.events))
        self.assertEqual(runs[0], runs[1])
        self.assertEqual(runs[0], runs[2])
        # Wake-ups come in time order; at one time in parking order.
        self.assertEqual(sorted(runs[0], key=lambda e: e[0]), runs[0])
        # b parked for 1.5 (at 0.75) before a did (at 1.0).
        self.assertEqual([(1.5, 'b'), (1.5, 'a')],
                         [e for e in runs[0] if e[0] == 1.5])

    def test_started_thread_parks_before_time_moves(self):
        # A participant starts a thread (as the driver starts libvirt's
        # blocking migrate call) and sleeps at once: time waits for it.
        done = threading.Event()

        def child():
            with self.clock.participant():
                time.sleep(0.05)
                self.note('child started')
                self.clock.wait_event(done)
                self.note('child woke')

        def parent():
            threading.Thread(target=child, name='child').start()
            self.clock.sleep(1.0)
            done.set()
            self.clock.sleep(1.0)
            self.note('parent')
        self.run_participants(parent)
        self.assertEqual([(0.0, 'child started'), (1.0, 'child woke'),
                          (2.0, 'parent')], self.events)

    def test_event_set_by_a_ticker(self):
        done = threading.Event()

        def ticker(now, dt):
            if now >= 3.0:
                done.set()
        self.clock.add_ticker(ticker)

        def waiter():
            self.clock.wait_event(done)
            self.note('woke')
        self.run_participants(waiter, self.sleeper('s', 10, 1.0))
        self.assertIn((3.0, 'woke'), self.events)
        self.assertAlmostEqual(10.0, self.clock.now())

    def test_slots_first_come_first_served(self):
        slots = self.clock.slots(1)

        def user(name):
            def body():
                with slots:
                    self.note(name + ' in')
                    self.clock.sleep(2.0)
                self.note(name + ' out')
            return body
        self.run_participants(user('a'), user('b'), user('c'))
        self.assertEqual([(0.0, 'a in'), (2.0, 'a out'), (2.0, 'b in'),
                          (4.0, 'b out'), (4.0, 'c in'), (6.0, 'c out')],
                         self.events)

    def test_two_slots(self):
        slots = self.clock.slots(2)

        def user(name):
            def body():
                with slots:
                    self.note(name)
                    self.clock.sleep(1.0)
            return body
        self.run_participants(*[user(n) for n in 'abcde'])
        self.assertEqual([(0.0, 'a'), (0.0, 'b'), (1.0, 'c'), (1.0, 'd'),
                          (2.0, 'e')], self.events)

    def test_no_limit(self):
        self.assertIsInstance(self.clock.slots(0), type(
            clock.RealClock.slots(0)))

    def test_slots_without_coordination(self):
        slots = self.clock.slots(1)
        order = []

        def user(name):
            with slots:
                order.append(name)
                time.sleep(0.01)
        threads = [threading.Thread(target=user, args=(n,)) for n in 'ab']
        for t in threads:
            t.start()
        for t in threads:
            t.join(5)
        self.assertEqual(['a', 'b'], sorted(order))

    def test_a_thread_that_never_parks_is_reported(self):
        self.clock = clock.VirtualClock(stall_timeout=0.3)
        blocker = threading.Event()
        errors = []

        def parent():
            threading.Thread(target=blocker.wait, name='stuck',
                             daemon=True).start()
            try:
                self.clock.sleep(1.0)
            except clock.ClockStalled as exc:
                errors.append(str(exc))
        thread = threading.Thread(target=parent, name='parent')
        try:
            with self.clock.coordinate():
                thread.start()
                thread.join(10)
        finally:
            blocker.set()
        self.assertEqual(1, len(errors))
        self.assertIn('stuck', errors[0])
        self.assertEqual(0.0, self.clock.now())

    def test_outsider_cannot_wait(self):
        with self.clock.coordinate():
            self.assertRaises(RuntimeError, self.clock.sleep, 1)
            self.assertRaises(RuntimeError, self.clock.coordinate().__enter__)
        self.clock.sleep(1)
        self.assertEqual(1.0, self.clock.now())

    def test_hold_and_settle_without_coordination_are_no_ops(self):
        with self.clock.hold():
            self.clock.settle()
        with self.clock.participant():
            pass
        self.assertEqual(0.0, self.clock.now())


class RealClockPrimitivesTestCase(base.BaseTestCase):

    def test_slots_and_events(self):
        clk = clock.RealClock()
        with clk.slots(2):
            pass
        with clk.slots(0):
            pass
        event = threading.Event()
        event.set()
        clk.wait_event(event)
