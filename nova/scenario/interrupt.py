"""SIGINT and SIGTERM as one exception, with places that must not be cut.

A command installs :func:`install`; the first SIGINT or SIGTERM then raises
:class:`Interrupted` in the main thread, wherever it is, so that the
``finally`` blocks on the way out (stopping the hosts, giving Placement
back as it was found) run.  Later signals are ignored: the stop is under
way.  Code that must finish once started -- putting the results in place,
removing what a run created in Placement -- runs inside :func:`deferred`:
a signal arriving there is raised when the block ends.

Without :func:`install` (a test calling the code directly) nothing
changes: :func:`deferred` is then a no-op.
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
        self.previous = {}


_STATE = _State()


def _handler(signum, _frame):
    if _STATE.received is not None:
        return
    _STATE.received = signum
    if not _STATE.deferring:
        _STATE.raised = True
        raise Interrupted(signum)


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


@contextlib.contextmanager
def deferred():
    """Hold a signal back until the block ends, then raise it."""
    _STATE.deferring += 1
    try:
        yield
    finally:
        _STATE.deferring -= 1
    if (_STATE.installed and not _STATE.deferring and
            _STATE.received is not None and not _STATE.raised):
        _STATE.raised = True
        raise Interrupted(_STATE.received)


def raise_pending():
    """Raise a signal held back by a block that ended with an error."""
    if _STATE.installed and _STATE.received is not None and not (
            _STATE.raised):
        _STATE.raised = True
        raise Interrupted(_STATE.received)
