"""Clocks for the simulator: a virtual one the caller drives, a real one.

``VirtualClock`` only moves when somebody calls ``sleep()``.  While it
moves it calls every registered ticker with the new time and the length
of the sub-step, so simulated processes (a live migration, for instance)
advance in small, equal slices of virtual time.  Tickers run in the
thread that called ``sleep()``; the clock lock is never held while a
ticker runs, so a ticker may take other locks and may add or remove
tickers.

By default every ``sleep()`` advances time at once, whoever calls it: two
threads sleeping 0.5 s each move the clock by 1 s.  That is right for one
migration watched by one loop, and wrong for several at once.  Inside
``with clock.coordinate():`` the threads started from then on are
*participants* of a small deterministic scheduler instead:

* a participant that sleeps, waits for an event (``wait_event``) or for a
  slot (``slots``) is *parked*; the others keep running;
* parked participants resume one at a time, in the order they parked,
  each only once every other participant is parked again (so a thread a
  participant starts -- libvirt's blocking migrate call -- gets to park
  before anything else happens);
* time advances, to the earliest wake-up, only when every participant is
  parked and none can resume.

So time passes as it would for one thread, and the interleaving (and
every number) is the same from run to run.  The thread that entered
``coordinate()`` stays outside: it starts participants under ``hold()``
(time stands still meanwhile) and joins them.
"""

import collections
import contextlib
import itertools
import math
import threading
import time

DEFAULT_TICK = 0.05
#: Real seconds a coordinated participant may wait for the others to park
#: before the clock gives up with ClockStalled (a thread that never parks).
STALL_TIMEOUT = 120.0
#: Real seconds between two looks of a parked thread at the schedule (the
#: fallback when no other thread hands over, e.g. one that died).
_RECHECK = 0.05
_EPS = 1e-9


class ClockStalled(RuntimeError):
    """Coordinated time could not move: a participant never parked."""


class _Waiter(object):
    __slots__ = ('thread', 'seq', 'wake', 'ready_fn', 'go', 'detach')

    def __init__(self, thread, seq, wake, ready_fn, detach):
        self.thread = thread
        self.seq = seq
        self.wake = wake
        self.ready_fn = ready_fn
        self.go = threading.Event()
        self.detach = detach

    def ready(self, now):
        if self.wake <= now + _EPS:
            return True
        return self.ready_fn is not None and self.ready_fn()


class _Coordination(object):
    """Who takes part and who is parked (guarded by the clock's lock)."""

    def __init__(self):
        self.baseline = set(threading.enumerate())
        self.holders = collections.Counter()
        self.parked = {}
        self.detached = set()
        self.settling = set()
        self.turn = None
        self.advancing = False
        self.closed = False
        self.seq = itertools.count()
        self.progress = 0

    def is_participant(self, thread):
        return thread not in self.baseline and thread not in self.detached

    def running(self):
        """Participants and holders that are neither parked nor gone."""
        busy = [t for t in threading.enumerate()
                if self.is_participant(t) and t not in self.parked]
        busy.extend(t for t, n in self.holders.items() if n > 0)
        return busy


class Tickers(object):
    """The tickers of a clock: ``fn(now, dt)`` called as time passes.

    The clock owns ``self._tickers`` (a list) and ``self._lock``.
    """

    def add_ticker(self, fn):
        """Call ``fn(now, dt)`` after each sub-step of time from now on."""
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


class VirtualClock(Tickers):
    """Simulated time, in float seconds, starting at 0.0."""

    def __init__(self, tick=DEFAULT_TICK, stall_timeout=STALL_TIMEOUT):
        if tick <= 0:
            raise ValueError('tick must be positive, got %r' % (tick,))
        self.tick = float(tick)
        self.stall_timeout = float(stall_timeout)
        self._now = 0.0
        self._tickers = []
        self._lock = threading.Lock()
        # Guards the coordination state (and the slots' counters).
        self._cond = threading.Condition(threading.Lock())
        self._coord = None

    def now(self):
        """Return the current virtual time in seconds."""
        with self._lock:
            return self._now

    # -- moving time ----------------------------------------------------

    def sleep(self, seconds):
        """Advance virtual time by ``seconds``, ticking on the way.

        The interval is cut into equal sub-steps of at most ``tick``
        seconds; after each one every ticker registered at that moment is
        called with the time reached and the sub-step length.  A
        coordinated participant parks until the others let time reach
        its wake-up instead (see the module's docstring).
        """
        if seconds < 0:
            raise ValueError('cannot sleep a negative time: %r' % (seconds,))
        if seconds == 0:
            return
        with self._cond:
            coord = self._participating()
            if coord is not None:
                self._park(coord, wake=self.now() + seconds)
                return
        self._advance(self.now() + seconds)

    def _advance(self, target):
        with self._lock:
            start = self._now
        seconds = target - start
        if seconds <= 0:
            return
        steps = max(1, int(math.ceil(seconds / self.tick - 1e-9)))
        dt = float(seconds) / steps
        for step in range(1, steps + 1):
            with self._lock:
                # Computed from the start, not summed, so that half-second
                # polls land exactly on half seconds however long it runs.
                self._now = (target if step == steps
                             else start + seconds * step / steps)
                now = self._now
                tickers = list(self._tickers)
            for ticker in tickers:
                ticker(now, dt)

    # -- coordination ---------------------------------------------------

    @contextlib.contextmanager
    def coordinate(self):
        """Run the threads started inside as coordinated participants."""
        with self._cond:
            if self._coord is not None:
                raise RuntimeError('the clock is already coordinated')
            coord = self._coord = _Coordination()
        try:
            yield self
        finally:
            with self._cond:
                coord.closed = True
                self._coord = None
                for waiter in coord.parked.values():
                    waiter.go.set()

    @property
    def coordinated(self):
        return self._coord is not None

    def _participating(self):
        """The coordination if the calling thread takes part (lock held)."""
        coord = self._coord
        if coord is None:
            return None
        me = threading.current_thread()
        if coord.is_participant(me):
            return coord
        if me in coord.parked or coord.holders[me]:
            raise RuntimeError('a holder of the coordinated clock cannot '
                               'wait on it')
        if me in coord.detached:
            return None
        raise RuntimeError('thread %s, started before the clock was '
                           'coordinated, cannot wait on it' % me.name)

    @contextlib.contextmanager
    def hold(self):
        """Keep time still while the caller (outside) starts participants.

        A no-op unless the clock is coordinated.
        """
        me = threading.current_thread()
        with self._cond:
            coord = self._coord
            if coord is not None:
                coord.holders[me] += 1
        try:
            yield
        finally:
            if coord is not None:
                with self._cond:
                    coord.holders[me] -= 1
                    coord.progress += 1
                    self._cond.notify_all()
                    self._schedule(coord)

    def settle(self):
        """Wait (in real time) until every other participant is parked.

        A no-op unless the clock is coordinated.  Called by a running
        participant or a holder, e.g. before starting the next participant
        or before looking at what another thread is about to start.
        """
        me = threading.current_thread()
        with self._cond:
            coord = self._coord
            if coord is None:
                return
            coord.settling.add(me)
            try:
                deadline = time.monotonic() + self.stall_timeout
                seen = coord.progress
                while not coord.closed:
                    busy = [t for t in coord.running()
                            if t is not me and t not in coord.settling]
                    if not busy:
                        return
                    if coord.progress != seen:
                        seen = coord.progress
                        deadline = time.monotonic() + self.stall_timeout
                    if time.monotonic() > deadline:
                        raise self._stalled(busy)
                    self._cond.wait(_RECHECK)
            finally:
                coord.settling.discard(me)

    def wait_event(self, event, detach=False):
        """Block until ``event`` is set; a participant parks meanwhile.

        ``detach``: the caller promises not to touch the simulation once
        woken (it is about to return and end), so the others need not
        wait for it to park again.
        """
        with self._cond:
            coord = self._participating()
            if coord is not None:
                self._park(coord, ready_fn=event.is_set, detach=detach)
                if detach:
                    coord.detached.add(threading.current_thread())
                    self._schedule(coord)
                return
        event.wait()

    @contextlib.contextmanager
    def participant(self):
        """Mark the end of a participant's part (use around its body)."""
        try:
            yield
        finally:
            with self._cond:
                coord = self._coord
                if coord is not None:
                    coord.detached.add(threading.current_thread())
                    coord.progress += 1
                    self._cond.notify_all()
                    self._schedule(coord)

    def slots(self, limit):
        """A context manager letting at most ``limit`` threads in at once.

        First come, first served; ``0`` means no limit.  A coordinated
        participant waiting for a slot is parked.
        """
        if not limit:
            return contextlib.nullcontext()
        return _Slots(self, limit)

    def _park(self, coord, wake=float('inf'), ready_fn=None, detach=False):
        """Wait until the schedule gives this thread its turn (lock held)."""
        me = threading.current_thread()
        waiter = _Waiter(me, next(coord.seq), wake, ready_fn, detach)
        coord.parked[me] = waiter
        coord.progress += 1
        self._cond.notify_all()  # settle() waits for this
        self._schedule(coord)
        deadline = time.monotonic() + self.stall_timeout
        seen = coord.progress
        while not waiter.go.is_set():
            self._cond.release()
            try:
                waiter.go.wait(_RECHECK)
            finally:
                self._cond.acquire()
            if waiter.go.is_set() or coord.closed:
                break
            self._schedule(coord)
            if coord.progress != seen:
                seen = coord.progress
                deadline = time.monotonic() + self.stall_timeout
            elif time.monotonic() > deadline:
                del coord.parked[me]
                raise self._stalled(coord.running())
        coord.parked.pop(me, None)
        if coord.turn is waiter:
            coord.turn = None
        coord.progress += 1

    def _schedule(self, coord):
        """Let one parked participant resume, or advance time (lock held).

        Time advances in the calling thread, with the lock released while
        the tickers run; nobody resumes meanwhile.
        """
        while not coord.closed:
            if coord.turn is not None or coord.advancing:
                return
            if coord.running():
                return
            now = self.now()
            ready = [w for w in coord.parked.values() if w.ready(now)]
            if ready:
                coord.turn = min(ready, key=lambda w: w.seq)
                coord.turn.go.set()
                return
            wakes = [w.wake for w in coord.parked.values()
                     if w.wake != float('inf')]
            if not wakes:
                return
            coord.advancing = True
            self._cond.release()
            try:
                self._advance(min(wakes))
            finally:
                self._cond.acquire()
                coord.advancing = False
                coord.progress += 1

    @staticmethod
    def _stalled(busy):
        return ClockStalled(
            'coordinated virtual time cannot advance: thread(s) %s never '
            'parked on the clock' % ', '.join(sorted(t.name for t in busy)))


class _Slots(object):
    """First-come first-served counting semaphore on a VirtualClock."""

    def __init__(self, clock, limit):
        self._clock = clock
        self._free = int(limit)
        self._queue = collections.deque()

    def __enter__(self):
        clock = self._clock
        me = threading.current_thread()
        with clock._cond:
            if not self._queue and self._free > 0:
                self._free -= 1
                return self
            self._queue.append(me)
            coord = clock._participating()

            def mine():
                return self._queue[0] is me and self._free > 0
            if coord is not None:
                while not mine() and not coord.closed:
                    clock._park(coord, ready_fn=mine)
            else:
                while not mine():
                    clock._cond.wait()
            self._queue.popleft()
            self._free -= 1
        return self

    def __exit__(self, *exc):
        with self._clock._cond:
            self._free += 1
            self._clock._cond.notify_all()
        return False


class RealTimeWaits(object):
    """Waiting on a clock whose time passes by itself (real time, or
    paced by it): plain threading, nothing to coordinate (``coordinate``,
    ``hold``, ``settle`` and ``participant`` do nothing).
    """

    coordinated = False

    @staticmethod
    def coordinate():
        return contextlib.nullcontext()

    hold = participant = coordinate

    @staticmethod
    def settle():
        pass

    @staticmethod
    def wait_event(event, detach=False):
        event.wait()

    @staticmethod
    def slots(limit):
        """At most ``limit`` holders at once (``0``: no limit)."""
        if not limit:
            return contextlib.nullcontext()
        return threading.BoundedSemaphore(limit)


class RealClock(RealTimeWaits):
    """Wall-clock time with the same ``now()``/``sleep()`` interface."""

    def now(self):
        return time.monotonic()

    def sleep(self, seconds):
        time.sleep(seconds)
