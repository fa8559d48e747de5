"""Clocks for the simulator: a virtual one the caller drives, a real one.

``VirtualClock`` only moves when somebody calls ``sleep()``.  While it
moves it calls every registered ticker with the new time and the length
of the sub-step, so simulated processes (a live migration, for instance)
advance in small, equal slices of virtual time.  Tickers run in the
thread that called ``sleep()``; the clock lock is never held while a
ticker runs, so a ticker may take other locks and may add or remove
tickers.
"""

import math
import threading
import time

DEFAULT_TICK = 0.05


class VirtualClock(object):
    """Simulated time, in float seconds, starting at 0.0."""

    def __init__(self, tick=DEFAULT_TICK):
        if tick <= 0:
            raise ValueError('tick must be positive, got %r' % (tick,))
        self.tick = float(tick)
        self._now = 0.0
        self._tickers = []
        self._lock = threading.Lock()

    def now(self):
        """Return the current virtual time in seconds."""
        with self._lock:
            return self._now

    def add_ticker(self, fn):
        """Call ``fn(now, dt)`` after each sub-step of every ``sleep()``."""
        with self._lock:
            if fn not in self._tickers:
                self._tickers.append(fn)

    def remove_ticker(self, fn):
        """Stop calling ``fn``; unknown tickers are ignored."""
        with self._lock:
            if fn in self._tickers:
                self._tickers.remove(fn)

    @property
    def tickers(self):
        with self._lock:
            return list(self._tickers)

    def sleep(self, seconds):
        """Advance virtual time by ``seconds``, ticking on the way.

        The interval is cut into equal sub-steps of at most ``tick``
        seconds; after each one every ticker registered at that moment is
        called with the time reached and the sub-step length.
        """
        if seconds < 0:
            raise ValueError('cannot sleep a negative time: %r' % (seconds,))
        if seconds == 0:
            return
        steps = max(1, int(math.ceil(seconds / self.tick - 1e-9)))
        dt = float(seconds) / steps
        with self._lock:
            start = self._now
        for step in range(1, steps + 1):
            with self._lock:
                # Computed from the start, not summed, so that half-second
                # polls land exactly on half seconds however long it runs.
                self._now = start + seconds * step / steps
                now = self._now
                tickers = list(self._tickers)
            for ticker in tickers:
                ticker(now, dt)


class RealClock(object):
    """Wall-clock time with the same ``now()``/``sleep()`` interface."""

    def now(self):
        return time.monotonic()

    def sleep(self, seconds):
        time.sleep(seconds)
