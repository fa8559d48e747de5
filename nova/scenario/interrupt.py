"""SIGINT and SIGTERM as one exception, raised where it is safe.

A command installs :func:`install`; a SIGINT or SIGTERM then raises
:class:`Interrupted` in the main thread, so that the ``finally`` blocks on
the way out (stopping the hosts, giving Placement back as it was found)
run.  Where raising at any instruction would be unsafe, code says so:

* inside :func:`cooperative` (a scenario run) the first signal is only
  recorded: the run looks at :func:`pending` at safe points -- it aborts
  a running live migration through the normal abort path and raises with
  :func:`raise_pending` between steps.  A second signal raises at once.
* inside :func:`deferred` (putting the results in place, removing what a
  run created in Placement) every signal waits for the end of the block.

After Interrupted has been raised, later signals are ignored: the stop is
under way.  Without :func:`install` (a test calling the code directly)
nothing changes and these helpers do nothing.
"""

import contextlib
import signal
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The process was asked to stop.

    A BaseException, like KeyboardInterrupt, so that the ``except
    Exception`` of code that survives a failed step does not swallow it.
    """

    def __init__(self, signum):
        self.signum = signum
        self.signame = signal.Signals(signum).name
        super().__init__('interrupted by %s' % self.signame)

    @property
    def exit_status(self):
        """128 + the signal number, as a shell reports it: 130 or 143."""
        return 128 + self.signum


class _State(object):
    def __init__(self):
        self.installed = False
        self.received = None     # the first signal number
        self.raised = False
        self.deferring = 0
        self.cooperating = 0
        self.previous = {}


_STATE = _State()


def _handler(signum, _frame):
    if _STATE.raised:
        return
    if _STATE.received is None:
        _STATE.received = signum
        if _STATE.deferring or _STATE.cooperating:
            return
    elif _STATE.deferring:
        return
    _STATE.raised = True
    raise Interrupted(_STATE.received)


def install():
    """Turn SIGINT and SIGTERM into Interrupted (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return
    _STATE.__init__()
    for signum in SIGNALS:
        _STATE.previous[signum] = signal.signal(signum, _handler)
    _STATE.installed = True


def uninstall():
    """Put the previous handlers back."""
    if not _STATE.installed:
        return
    for signum, handler in _STATE.previous.items():
        signal.signal(signum, handler)
    _STATE.__init__()


def received():
    """The first signal received since install(), or None."""
    return _STATE.received


def pending():
    """The signal received but not raised yet, or None."""
    return None if _STATE.raised else _STATE.received


def raise_pending():
    """Raise Interrupted for a signal recorded but not raised yet."""
    if _STATE.installed and pending() is not None:
        _STATE.raised = True
        raise Interrupted(_STATE.received)


@contextlib.contextmanager
def cooperative():
    """The first signal is recorded for pending(); a second one raises."""
    _STATE.cooperating += 1
    try:
        yield
    finally:
        _STATE.cooperating -= 1


@contextlib.contextmanager
def deferred():
    """Hold every signal back until the block ends, then raise it."""
    _STATE.deferring += 1
    try:
        yield
    finally:
        _STATE.deferring -= 1
    if not (_STATE.deferring or _STATE.cooperating):
        raise_pending()
