"""Decisions of the live-migration monitor, as pure functions and state.

The driver's loop polls libvirt, turns the job statistics into a
:class:`~nova.virt.libvirt.job.JobInfo` and feeds it to a :class:`Monitor`
together with the current time; the monitor answers with
:class:`Decision` values that the loop applies and then records. Nothing
here reads configuration, calls libvirt, sleeps or looks at the clock:
configuration arrives as a :class:`MonitorConfig`, time as ``now``
(seconds, float), so every rule can be tested with plain values.
"""

import dataclasses
import enum
import math

from nova import exception
from nova.objects import fields
from nova.virt.libvirt import job as jobinfo

MIB = 1024 * 1024
# Every size that sets a timer is counted as at least this many GiB.
MIN_GIB = 2
TIMEOUT_ACTIONS = ('abort', 'force_complete')


def _gib_up(value_gib):
    return max(MIN_GIB, int(math.ceil(value_gib)))


def data_gib(ram_mb, copied_disk_gb=()):
    """Size in GiB that scales the downtime steps and the timeout.

    RAM rounded up to whole GiB, at least 2, plus every disk that is copied
    by block migration, each rounded up and at least 2.
    """
    return (_gib_up(ram_mb / 1024.0)
            + sum(_gib_up(disk) for disk in copied_disk_gb))


def downtime_steps(max_downtime_ms, steps, delay_per_gib, data_gib):
    """The downtime ramp as a list of ``(time_s, downtime_ms)`` tuples.

    ``steps + 1`` entries: linear from ``max / steps`` at time 0 to ``max``
    at ``steps x delay``, one step every ``delay = delay_per_gib x
    data_gib`` seconds. Integer arithmetic keeps the last value exact.
    """
    delay = delay_per_gib * data_gib
    square = steps * steps
    return [(int(delay * i),
             max_downtime_ms * (steps + (steps - 1) * i) // square)
            for i in range(steps + 1)]


def downtime_for(schedule, elapsed_s):
    """Downtime of the last step whose time is at or before ``elapsed_s``."""
    value = schedule[0][1]
    for time_s, downtime in schedule:
        if time_s > elapsed_s:
            break
        value = downtime
    return value


def completion_deadline(completion_timeout_per_gib, data_gib):
    """Seconds the migration may run, or None when the timeout is off."""
    if not completion_timeout_per_gib:
        return None
    return completion_timeout_per_gib * data_gib


class ProgressWatch(object):
    """Tells a stalled pre-copy from a slow or saw-toothed one.

    QEMU reports as remaining the pages in its dirty bitmap, which learns
    of newly dirtied pages only at the bitmap sync that ends a pass: the
    value falls through each pass (often close to zero) and jumps up at
    the next sync.  Its minimum therefore says nothing -- a low-water mark
    of it is reached in the first passes and never beaten again, the
    false stall upstream's progress timeout suffered from.  What shows
    convergence is the *peak* of each pass: the dirty set the pass starts
    with.  A pass is a run of samples with the same ``memory_iteration``.

    Progress is recorded when a pass completes with a peak lower than the
    best peak so far by more than ``tolerance x data_total`` (at least
    1 MiB), or when block migration copied at least 1 MiB more disk while
    disk data is still due.  Stalled means both: ``timeout_s`` seconds
    since the last progress AND at least ``min_passes`` complete passes
    without progress; one long pass never stalls.  Pulling a lever
    (``levers_changed``, or a higher auto-converge throttle in the job)
    restarts the window.  ``timeout_s`` 0 turns the watch off.  Samples of
    a job that is not active or has no size yet are ignored.
    """

    def __init__(self, timeout_s, min_passes=2, tolerance=0.01):
        self.timeout_s = timeout_s
        self.min_passes = min_passes
        self.tolerance = tolerance
        self.last_progress = None
        #: The lowest pass peak seen so far.
        self.best_remaining = None
        self.passes_without_progress = 0
        self._disk_mark = 0
        self._iteration = None
        self._pass_peak = 0
        self._throttle = 0

    def _restart(self, now):
        self.last_progress = now
        self.passes_without_progress = 0

    def _end_of_pass(self, job):
        """Judge the pass that just completed; True if it progressed."""
        margin = max(MIB, self.tolerance * job.data_total)
        if (self.best_remaining is None
                or self._pass_peak < self.best_remaining - margin):
            self.best_remaining = self._pass_peak
            return True
        self.passes_without_progress += 1
        return False

    def update(self, now, job, levers_changed=False):
        """Take one sample; return True when the migration is stalled."""
        if not self.timeout_s or self.timeout_s <= 0:
            return False
        if not job.is_active or job.data_total <= 0:
            if levers_changed and self.last_progress is not None:
                self._restart(now)
            return False
        if self.last_progress is None:
            self._iteration = job.memory_iteration
            self._pass_peak = job.data_remaining
            self._disk_mark = job.disk_processed
            self._throttle = job.auto_converge_throttle
            self._restart(now)
            return False

        progressed = False
        if job.memory_iteration != self._iteration:
            progressed = self._end_of_pass(job)
            self._iteration = job.memory_iteration
            self._pass_peak = job.data_remaining
        else:
            self._pass_peak = max(self._pass_peak, job.data_remaining)

        if job.auto_converge_throttle > self._throttle:
            levers_changed = True
        self._throttle = job.auto_converge_throttle

        if (job.disk_remaining > 0
                and job.disk_processed >= self._disk_mark + MIB):
            progressed = True
        if job.disk_processed > self._disk_mark:
            self._disk_mark = job.disk_processed
        if progressed or levers_changed:
            self._restart(now)
            return False

        return (now - self.last_progress >= self.timeout_s
                and self.passes_without_progress >= self.min_passes)


class Action(enum.Enum):
    SET_DOWNTIME = 'set-downtime'
    START_POSTCOPY = 'start-postcopy'
    PAUSE = 'pause'
    ABORT = 'abort'
    # Nothing for libvirt: the switch to post-copy asked for is held back
    # while the link moves no data (see LinkWatch).
    WAIT_FOR_LINK = 'wait-for-link'
    # Resume a post-copy whose connection broke (a new migrate call with
    # VIR_MIGRATE_POSTCOPY_RESUME).
    RECOVER_POSTCOPY = 'recover-postcopy'


class LinkWatch(object):
    """Tells, from the job statistics alone, that the link moves nothing.

    Stalled means: the job is active, data remains, and not one byte was
    processed over the last ``samples`` samples after the first (at the
    monitor's half-second polls, a second or more).  Starting post-copy
    then would move the guest to the destination with its memory behind
    a dead link -- a recoverable stall turned into a lost guest.
    """

    def __init__(self, samples=2):
        self.samples = samples
        self._processed = None
        self._still = 0

    def update(self, job):
        """Take one sample; return True while the link looks stalled."""
        if not job.is_active:
            return False
        if self._processed is not None and (
                job.data_processed <= self._processed
                and job.data_remaining > 0):
            self._still += 1
        else:
            self._still = 0
        self._processed = job.data_processed
        return self._still >= self.samples


@dataclasses.dataclass(frozen=True)
class Decision:
    """One thing for the loop to do; ``value`` is the downtime in ms."""

    action: Action
    value: int | None = None
    reason: str = ''


def force_complete_action(flags_have_postcopy, in_postcopy, paused):
    """How to force a migration to finish, or None if it already is.

    Switch to post-copy when this migration was started with the POSTCOPY
    flag, otherwise pause the guest so that pre-copy converges. Instances
    with auto-converge never carry POSTCOPY, so they are paused.
    """
    if in_postcopy:
        return None
    if flags_have_postcopy:
        return Decision(Action.START_POSTCOPY,
                        reason='switching to post-copy to complete')
    if paused:
        return None
    return Decision(Action.PAUSE,
                    reason='pausing the guest so that pre-copy completes')


class Phase(enum.Enum):
    PRECOPY = 'precopy'
    POSTCOPY = 'postcopy'
    # Still pre-copy, with the guest paused by force-complete.
    PAUSED_PRECOPY = 'paused-precopy'
    FINISHED = 'finished'


def check_abort_allowed(phase, instance_uuid='(unknown)'):
    """Raise MigrationAbortNotAllowed while the migration is in post-copy.

    ``phase`` is a :class:`Phase` or a MigrationStatus value.
    """
    if phase in (Phase.POSTCOPY, fields.MigrationStatus.POST_COPY):
        raise exception.MigrationAbortNotAllowed(instance_uuid=instance_uuid)


_FINISHED_STATUS = {
    jobinfo.JOB_COMPLETED: fields.MigrationStatus.COMPLETED,
    jobinfo.JOB_FAILED: fields.MigrationStatus.FAILED,
    jobinfo.JOB_CANCELLED: fields.MigrationStatus.CANCELLED,
}


def status_for(phase, job):
    """MigrationStatus value for a phase and the latest job statistics.

    A finished job decides by its type; a FINISHED phase whose job does
    not say how it ended is an error (the caller must find out).
    """
    if phase == Phase.FINISHED or job.is_finished:
        return _FINISHED_STATUS.get(job.type, fields.MigrationStatus.ERROR)
    if phase == Phase.POSTCOPY:
        return fields.MigrationStatus.POST_COPY
    return fields.MigrationStatus.RUNNING


@dataclasses.dataclass(frozen=True)
class MonitorConfig:
    """The monitor's options; units as in the ``[libvirt]`` options."""

    downtime_ms: int = 500
    downtime_steps: int = 10
    downtime_delay: int = 75
    completion_timeout: int = 800
    timeout_action: str = 'abort'
    progress_timeout: int = 0
    save_interval: float = 5

    def __post_init__(self):
        if self.timeout_action not in TIMEOUT_ACTIONS:
            raise ValueError('timeout_action must be one of %s, not %r' % (
                ', '.join(TIMEOUT_ACTIONS), self.timeout_action))
        if self.downtime_steps < 1:
            raise ValueError('downtime_steps must be at least 1, not %r'
                             % self.downtime_steps)

    @classmethod
    def from_conf(cls, group):
        """Build from an object with the ``live_migration_*`` attributes."""
        return cls(
            downtime_ms=group.live_migration_downtime,
            downtime_steps=group.live_migration_downtime_steps,
            downtime_delay=group.live_migration_downtime_delay,
            completion_timeout=group.live_migration_completion_timeout,
            timeout_action=group.live_migration_timeout_action,
            progress_timeout=group.live_migration_progress_timeout,
            save_interval=group.live_migration_status_save_interval)


class Monitor(object):
    """The state of one live migration between two polls of the loop.

    The loop calls :meth:`step` with each sample, applies the decisions in
    order and calls :meth:`record` for each one that succeeded. A decision
    that was not recorded is decided again at the next step.
    """

    def __init__(self, start, config, flags_have_postcopy,
                 flags_have_auto_converge, data_gib, terms=None):
        # A migration may carry both POSTCOPY and AUTO_CONVERGE (an SLA
        # tier that accepts both): QEMU throttles while pre-copy runs,
        # and forcing it to complete switches to post-copy.
        #: What the migration may do to its guest (sla_policy.Terms), for
        #: monitors that decide from it; this one does not.
        self.terms = terms
        self.start = start
        self.config = config
        self.flags_have_postcopy = flags_have_postcopy
        self.flags_have_auto_converge = flags_have_auto_converge
        self.data_gib = data_gib
        self.schedule = downtime_steps(config.downtime_ms,
                                       config.downtime_steps,
                                       config.downtime_delay, data_gib)
        self.deadline = completion_deadline(config.completion_timeout,
                                            data_gib)
        self.watch = ProgressWatch(config.progress_timeout)
        self.link = LinkWatch()
        self._force_pending = False
        self._waiting_for_link = False
        self.phase = Phase.PRECOPY
        #: True once the switch to post-copy was applied (it stays True
        #: when the phase later becomes FINISHED).
        self.postcopy_started = False
        self.downtime = None
        self.aborted = False
        self._paused = False
        self._levers_changed = False
        self._last_save = None

    @property
    def awaiting_recovery(self):
        """True while the monitor means to resume a broken post-copy
        (this one never does: the guest waits for the operator).
        """
        return False

    @property
    def needs_resume_on_failure(self):
        """True when the monitor paused the guest."""
        return self._paused

    def _force(self, reason, link_stalled=False):
        decision = force_complete_action(
            self.flags_have_postcopy, self.phase == Phase.POSTCOPY,
            self.phase == Phase.PAUSED_PRECOPY)
        if decision is None:
            self._force_pending = False
            return None
        if decision.action is Action.START_POSTCOPY and link_stalled:
            # Wait for the link; say so once.
            self._force_pending = True
            if self._waiting_for_link:
                return None
            return Decision(Action.WAIT_FOR_LINK, reason=(
                '%s: the link moved no data for the last second; switching '
                'to post-copy now would lose the guest if the link stays '
                'down, so the switch waits for the link (pre-copy keeps '
                'the guest whole on the source)' % reason))
        return dataclasses.replace(decision, reason='%s: %s' % (
            reason, decision.reason))

    def step(self, now, job, force_requested=False, postcopy_failed=False):
        """Decisions for this sample, in the order they must be applied.

        ``postcopy_failed``: the migrate call ended with the post-copy's
        connection broken and the guest paused, waiting to be resumed.
        """
        if job.is_finished and not postcopy_failed:
            self.phase = Phase.FINISHED
        if self.phase in (Phase.FINISHED, Phase.POSTCOPY) or self.aborted:
            # Post-copy cannot be undone or timed out: let it finish.
            return []
        elapsed = now - self.start
        decisions = []

        def add(decision):
            if decision is not None and all(
                    d.action != decision.action for d in decisions):
                decisions.append(decision)

        downtime = downtime_for(self.schedule, elapsed)
        if downtime != self.downtime:
            add(Decision(Action.SET_DOWNTIME, downtime,
                         'downtime step after %d s' % elapsed))

        link_stalled = self.link.update(job)
        if force_requested or self._force_pending:
            add(self._force('force-complete requested', link_stalled))

        if self.deadline is not None and elapsed > self.deadline:
            timeout = ('not completed after %d s: the completion timeout '
                       'is %d s (%s s/GiB x %d GiB)' % (
                           elapsed, self.deadline,
                           self.config.completion_timeout, self.data_gib))
            if self.config.timeout_action == 'abort':
                add(Decision(Action.ABORT, reason=timeout))
            else:
                add(self._force(timeout, link_stalled))

        levers, self._levers_changed = self._levers_changed, False
        if self.watch.update(now, job, levers_changed=levers):
            add(Decision(Action.ABORT, reason=(
                'no progress for %d s (%d passes without progress, '
                'progress timeout %s s); %d bytes remaining' % (
                    now - self.watch.last_progress,
                    self.watch.passes_without_progress,
                    self.config.progress_timeout, job.data_remaining))))
        return decisions

    def record(self, decision):
        """Take note that the loop applied ``decision`` successfully."""
        action = decision.action
        if action == Action.SET_DOWNTIME:
            self.downtime = decision.value
            self._levers_changed = True
        elif action == Action.START_POSTCOPY:
            self.phase = Phase.POSTCOPY
            self.postcopy_started = True
            self._levers_changed = True
            self._force_pending = self._waiting_for_link = False
        elif action == Action.PAUSE:
            self.phase = Phase.PAUSED_PRECOPY
            self._paused = True
            self._levers_changed = True
            self._force_pending = self._waiting_for_link = False
        elif action == Action.WAIT_FOR_LINK:
            self._waiting_for_link = True
        elif action == Action.ABORT:
            self.aborted = True

    def should_save(self, now):
        """True at most once every ``save_interval`` s; the first time."""
        if (self._last_save is None
                or now - self._last_save >= self.config.save_interval):
            self._last_save = now
            return True
        return False

    def progress(self, job):
        """What to store on the Migration record for this sample."""
        if job.data_total > 0:
            percent = int(math.ceil(100.0 * job.data_remaining
                                    / job.data_total))
        else:
            percent = 0 if job.type == jobinfo.JOB_COMPLETED else 100
        return {
            'status': status_for(self.phase, job),
            'memory_total': job.memory_total,
            'memory_processed': job.memory_processed,
            'memory_remaining': job.memory_remaining,
            'disk_total': job.disk_total,
            'disk_processed': job.disk_processed,
            'disk_remaining': job.disk_remaining,
            'percent_remaining': min(100, max(0, percent)),
        }
