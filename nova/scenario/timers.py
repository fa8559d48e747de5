"""Things to do at given times on a scenario's clock.

On the simulator's virtual clock time moves only while someone sleeps on
it (the migration monitor's polls, a ``wait`` step); due timers then run
in that sleeping thread, between two sub-steps, so an abort requested at
t = 5 s lands exactly there whatever the real speed.  On the real clock a
background thread checks every ``REAL_RESOLUTION`` seconds.
"""

import heapq
import itertools
import threading

from oslo_log import log as logging

from nova.sim import clock as sim_clock

LOG = logging.getLogger(__name__)
REAL_RESOLUTION = 0.1


class Timers(object):

    def __init__(self, clock):
        self.clock = clock
        self._heap = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._firing = threading.local()
        self._stop = threading.Event()
        self._thread = None
        if isinstance(clock, sim_clock.VirtualClock):
            clock.add_ticker(self._tick)
        else:
            self._thread = threading.Thread(target=self._loop,
                                            name='scenario-timers',
                                            daemon=True)
            self._thread.start()

    def at(self, when, fn):
        """Call ``fn()`` once the clock reaches ``when``; returns a handle
        for :meth:`cancel`.
        """
        handle = {'cancelled': False}
        with self._lock:
            heapq.heappush(self._heap, (when, next(self._order), fn, handle))
        return handle

    def after(self, seconds, fn):
        return self.at(self.clock.now() + seconds, fn)

    def every(self, interval, fn):
        """Call ``fn()`` every ``interval`` seconds until cancelled."""
        handle = {'cancelled': False}

        def again():
            try:
                fn()
            finally:
                # A failed look must not end the later ones.
                if not handle['cancelled']:
                    with self._lock:
                        heapq.heappush(self._heap, (
                            self.clock.now() + interval, next(self._order),
                            again, handle))
        with self._lock:
            heapq.heappush(self._heap, (self.clock.now() + interval,
                                        next(self._order), again, handle))
        return handle

    @staticmethod
    def cancel(handle):
        handle['cancelled'] = True

    def wait_until(self, when):
        """Let the clock run until ``when`` (no-op if it is past)."""
        delay = when - self.clock.now()
        if delay > 0:
            self.clock.sleep(delay)

    def fire_due(self, now=None):
        """Run every timer due by ``now`` (the clock's time by default)."""
        if getattr(self._firing, 'active', False):
            return
        self._firing.active = True
        try:
            now = self.clock.now() if now is None else now
            while True:
                with self._lock:
                    if not self._heap or self._heap[0][0] > now + 1e-9:
                        return
                    _when, _n, fn, handle = heapq.heappop(self._heap)
                if not handle['cancelled']:
                    try:
                        fn()
                    except Exception:
                        # Never let a scenario action break the sleeper
                        # (the migration monitor, on the virtual clock).
                        LOG.exception('A scenario timer failed')
        finally:
            self._firing.active = False

    def _tick(self, now, _dt):
        self.fire_due(now)

    def _loop(self):
        while not self._stop.wait(REAL_RESOLUTION):
            self.fire_due()

    def close(self):
        if self._thread is None:
            self.clock.remove_ticker(self._tick)
        else:
            self._stop.set()
            self._thread.join()
