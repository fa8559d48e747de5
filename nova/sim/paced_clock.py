"""A clock that follows real time, optionally faster, for a served cloud.

``nova-live-migration serve`` runs migrations that operators watch with
``openstack server migration list``: they must progress while nobody
sleeps on the clock, and several may run at once.  ``PacedClock`` has the
interface of ``nova.sim.clock.VirtualClock`` (``now``, ``sleep``,
``add_ticker``, ``remove_ticker``, ``tickers``) but:

* ``now()`` is the real monotonic time since the clock started, multiplied
  by ``factor`` (1 = real time, 10 = ten simulated seconds per second);
* ``sleep(s)`` sleeps ``s / factor`` real seconds and never moves time;
* waits for events and slots are plain threading ones (RealTimeWaits);
* a background thread (``start()`` / ``stop()``) drives the registered
  tickers: every ``period`` real seconds it cuts the simulated time that
  passed into sub-steps of at most ``tick`` seconds and calls every ticker
  with the time reached and the sub-step length, as VirtualClock does.

Tickers run in that thread only, never with the clock's lock held, so a
ticker may take other locks and add or remove tickers.
"""

import math
import threading
import time

from oslo_log import log as logging

from nova.sim import clock as sim_clock

LOG = logging.getLogger(__name__)

DEFAULT_TICK = 0.05
DEFAULT_PERIOD = 0.02
#: The fastest pace accepted: beyond it a migration of a few GiB ends
#: between two looks of the monitor and nothing can be watched.
MAX_FACTOR = 1000.0
#: At most this many sub-steps per drive: a thread starved for a long
#: time catches up in larger steps instead of falling further behind.
MAX_STEPS_PER_DRIVE = 200


def check_factor(factor):
    """Return ``factor`` as a float, or raise ValueError with the rule."""
    try:
        value = float(factor)
    except (TypeError, ValueError):
        raise ValueError('the clock factor must be a number, got %r'
                         % (factor,))
    if not math.isfinite(value) or not 0 < value <= MAX_FACTOR:
        raise ValueError('the clock factor must be a finite number above 0 '
                         'and at most %g, got %r' % (MAX_FACTOR, factor))
    return value


class PacedClock(sim_clock.Tickers, sim_clock.RealTimeWaits):
    """Simulated seconds that pass with real time, ``factor`` times faster.
    """

    def __init__(self, factor=1.0, tick=DEFAULT_TICK, period=DEFAULT_PERIOD,
                 monotonic=time.monotonic, real_sleep=time.sleep):
        self.factor = check_factor(factor)
        if not tick > 0 or not period > 0:
            raise ValueError('tick and period must be positive, got %r and '
                             '%r' % (tick, period))
        self.tick = float(tick)
        self.period = float(period)
        self._monotonic = monotonic
        self._real_sleep = real_sleep
        self._origin = monotonic()
        self._driven = 0.0
        self._tickers = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def now(self):
        """Simulated seconds since the clock was made."""
        return (self._monotonic() - self._origin) * self.factor

    def sleep(self, seconds):
        """Wait ``seconds`` of simulated time (``seconds / factor`` real)."""
        if seconds < 0:
            raise ValueError('cannot sleep a negative time: %r' % (seconds,))
        if seconds:
            self._real_sleep(seconds / self.factor)

    def drive(self):
        """Tick every ticker up to ``now()``; returns the sub-steps made.

        The background thread calls this every ``period``; tests may call
        it directly (with their own ``monotonic``).
        """
        target = self.now()
        with self._lock:
            start = self._driven
            if target <= start:
                return 0
            self._driven = target
        span = target - start
        steps = min(MAX_STEPS_PER_DRIVE,
                    max(1, int(math.ceil(span / self.tick - 1e-9))))
        dt = span / steps
        for step in range(1, steps + 1):
            now = start + span * step / steps
            for ticker in self.tickers:
                try:
                    ticker(now, dt)
                except Exception:
                    # One broken ticker must not stop time for the others.
                    LOG.exception('Clock ticker %r failed; removing it',
                                  ticker)
                    self.remove_ticker(ticker)
        return steps

    def start(self):
        """Start the thread that drives the tickers (idempotent)."""
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run,
                                            name='paced-clock', daemon=True)
            self._thread.start()

    def stop(self, timeout=5.0):
        """Stop the driving thread and wait for it (bounded)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout)

    def _run(self):
        while not self._stop.wait(self.period):
            self.drive()
