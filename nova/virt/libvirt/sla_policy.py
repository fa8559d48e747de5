"""The project's live-migration policy: decide within the SLA and purpose.

The default monitor of the libvirt driver.  It predicts, from the job
statistics libvirt exposes and nothing else, whether pre-copy will
converge within what the guest's SLA tier allows, and acts on the
prediction instead of waiting for a timeout:

* **Bandwidth** is estimated from the memory and disk rates of the samples
  that moved data; a link that moved nothing for a second is *stalled*,
  one far below its best rate *collapsing*, one that stalled during this
  migration *shaky* (:class:`LinkEstimate`).
* **Passes**: each pass of pre-copy starts with the pages dirtied during
  the last one; the reported remaining saw-tooths through the pass, its
  peak is the pass's size (:class:`Passes`).
* **Prediction** (:func:`predict`): the working set is at least the
  largest pass after the first; the next passes follow the saturating
  model ``P' = W (1 - exp(-d P / (R W)))`` (``d`` the dirty rate, ``R``
  the bandwidth); the downtime that switches over within three more
  passes, or at the plateau the peaks tend to, is what pre-copy needs.
  Two pass peaks within 5 % of each other confirm a plateau.

Within the limits (:class:`Terms`, from the resolver: the tier narrowed
by the purpose) the levers come in this order: raise the downtime target
(never above the tier's limit; never below the ``[libvirt]`` downtime
ramp, which stays a floor); when pre-copy is predicted not to converge,
switch to post-copy if the migration may (never while the link is stalled
or collapsing; on a shaky link, for a tier that cannot take long stops,
only once throttling is at its limit and the link has been up a while),
else let QEMU throttle the vCPUs up to the tier's limit (and act before
it would pass it), else pause the guest if the tier accepts that and the
stop fits, else give up (abort) -- at the first prediction for a
``rebalance``, once every lever is spent and a plateau is confirmed
otherwise.  In post-copy, a connection that broke is resumed where both
hosts can (``RECOVER_POSTCOPY``), retried while the link is down.

The ``[libvirt]`` timers keep their meaning as bounds: the completion
timeout aborts (or, with ``force_complete`` or for ``evacuate-host``,
forces within the tier: post-copy or pause when allowed, else abort); the
progress timeout aborts a stall; an operator's force-complete is obeyed.
Everything is a pure function of the samples, the time and the terms.
"""

import collections
import dataclasses
import math

from nova.virt.libvirt import migration
from nova.virt import sla

Action = migration.Action
Decision = migration.Decision
Phase = migration.Phase

#: QEMU's switch-over costs about this much on top of the copy (ms).
SWITCHOVER_MS = 50
#: Safety on the needed downtime: the bandwidth jitters.
MARGIN = 1.15
#: Passes pre-copy may still take at the downtime the policy sets.
PASSES_AHEAD = 3
#: Two pass peaks within this ratio are a plateau.
PLATEAU_RATIO = 0.95
#: A model prediction beyond the tier by this factor is solid alone.
CLEAR_MISS = 1.3
#: Samples of the dirty rate the prediction looks at (the latest ones).
DIRTY_SAMPLES = 3
#: A link whose rate falls under this share of its best is collapsing.
COLLAPSE_RATIO = 0.3
#: Seconds a shaky link must have been up before a careful tier's guest
#: goes to post-copy on it.
CALM_S = 5.0
#: A tier whose stop limit is below this is careful on a shaky link.
CAREFUL_STOP_MS = 10000
#: Seconds between two attempts to resume a broken post-copy, and how
#: long to keep trying.
RECOVER_RETRY_S = 2.0
RECOVER_PATIENCE_S = 3600.0
#: Seconds after the throttle reached the tier's limit before deciding
#: (QEMU raises it at most every two seconds).
CAP_GRACE_S = 1.0
PAGE_SIZE = 4096
#: Only raise the downtime target by at least this factor.
RAISE_STEP = 1.1


@dataclasses.dataclass(frozen=True)
class Terms:
    """What one migration may do to its guest, fixed when it starts."""

    tier: str = sla.DEFAULT_TIER
    purpose: str = sla.PURPOSE.DEFAULT
    #: Largest switch-over the monitor may allow (ms).
    downtime_ms: int = sla.TIERS[sla.DEFAULT_TIER].downtime_ms
    #: Largest guest-visible stop (ms): a pause must fit in it.
    stop_ms: int = sla.TIERS[sla.DEFAULT_TIER].stop_ms
    #: Highest throttle QEMU may reach (percent) before the monitor acts.
    throttle_cap: int = sla.TIERS[sla.DEFAULT_TIER].throttle_pct
    #: The monitor may switch to post-copy (the flag is armed).
    post_copy: bool = False
    #: QEMU may throttle (the flag is armed).
    auto_converge: bool = False
    #: The monitor may pause the guest to finish.
    pause: bool = False
    #: Both hosts can resume a post-copy whose connection broke.
    can_recover: bool = False

    @property
    def rules(self):
        return sla.purpose(self.purpose)

    @classmethod
    def from_policy(cls, policy, flags_have_postcopy,
                    flags_have_auto_converge, can_recover):
        """Terms of a migration resolved as ``policy`` (a
        migration_policy.MigrationPolicy) and started with these flags.
        """
        limits = policy.limits
        tier = sla.tier(limits.tier)
        # An explicit auto-converge request is not narrowed by the
        # purpose: the tier's own limit applies to it.
        cap = (tier.throttle_pct if policy.auto_converge.explicit
               else limits.throttle_pct.value)
        return cls(tier=limits.tier, purpose=limits.purpose,
                   downtime_ms=limits.downtime_ms.value,
                   stop_ms=limits.stop_ms.value, throttle_cap=cap,
                   post_copy=bool(flags_have_postcopy),
                   auto_converge=bool(flags_have_auto_converge),
                   pause=bool(limits.pause.value),
                   can_recover=bool(can_recover))


class LinkEstimate(object):
    """The migration's bandwidth and the link's health, from job stats."""

    def __init__(self, alpha=0.5):
        self.alpha = alpha
        #: Bytes/s, averaged over the samples that moved data.
        self.rate = None
        self.peak = 0.0
        self.current = 0.0
        self.stalled = False
        self.drops = 0
        self.last_drop_end = None
        self._watch = migration.LinkWatch()

    def update(self, now, job):
        stalled = self._watch.update(job)
        if self.stalled and not stalled:
            self.last_drop_end = now
        if stalled and not self.stalled:
            self.drops += 1
        self.stalled = stalled
        self.current = float(job.memory_bps + job.disk_bps)
        if self.current > 0 and not stalled:
            self.rate = self.current if self.rate is None else (
                self.alpha * self.current + (1 - self.alpha) * self.rate)
            self.peak = max(self.peak, self.current)

    @property
    def collapsing(self):
        return self.peak > 0 and self.current < COLLAPSE_RATIO * self.peak

    @property
    def healthy(self):
        return not self.stalled and not self.collapsing

    def calm(self, now):
        """Healthy, and no stall for CALM_S seconds (or ever)."""
        return self.healthy and (self.last_drop_end is None or
                                 now - self.last_drop_end >= CALM_S)

    @property
    def shaky(self):
        return self.drops > 0


class Passes(object):
    """Pre-copy's passes: their peaks, from the saw-tooth of remaining."""

    def __init__(self):
        self.iteration = None
        self.peak = 0
        #: Peaks of the completed passes after the first, in order.
        self.peaks = []
        #: Samples taken since the first pass ended.
        self.samples_after_first = 0

    def update(self, job):
        remaining = job.data_remaining
        if job.memory_iteration != self.iteration:
            if self.iteration is not None and self.iteration >= 2:
                self.peaks.append(self.peak)
            self.iteration = job.memory_iteration
            self.peak = remaining
        else:
            self.peak = max(self.peak, remaining)
        if (self.iteration or 0) >= 2:
            self.samples_after_first += 1

    @property
    def first_done(self):
        return (self.iteration or 0) >= 2

    @property
    def working_set(self):
        """The largest pass after the first: a floor on the working set."""
        return max(self.peaks + [self.peak]) if self.first_done else 0

    @property
    def plateau(self):
        """The last peak, when the last two passes stopped shrinking."""
        if len(self.peaks) >= 2 and (
                self.peaks[-1] >= PLATEAU_RATIO * self.peaks[-2]):
            return self.peaks[-1]
        return None


def next_peaks(peak, working_set, dirty_bps, bandwidth, count):
    """The next ``count`` pass peaks (bytes) after a pass of ``peak``.

    Each pass lasts ``peak / bandwidth``; the guest dirties at
    ``dirty_bps`` inside a working set of ``working_set`` bytes, so the
    next pass's dirty set saturates at it.
    """
    peaks = []
    for _ in range(count):
        seconds = peak / bandwidth
        if working_set > 0:
            peak = working_set * -math.expm1(
                -dirty_bps * seconds / working_set)
        else:
            peak = dirty_bps * seconds
        peaks.append(peak)
    return peaks


def plateau_of(peak, working_set, dirty_bps, bandwidth, rounds=60):
    """Where the pass peaks settle (bytes; 0: pre-copy converges)."""
    for _ in range(rounds):
        (following,) = next_peaks(peak, working_set, dirty_bps, bandwidth,
                                  1)
        if abs(following - peak) <= 0.001 * max(peak, 1.0):
            return following
        peak = following
    return peak


def downtime_for_bytes(nbytes, bandwidth):
    """Downtime (ms) that lets QEMU switch over with ``nbytes`` left."""
    return int(math.ceil(SWITCHOVER_MS + MARGIN * 1000.0 * nbytes
                         / bandwidth))


@dataclasses.dataclass(frozen=True)
class Prediction:
    #: Downtime (ms) pre-copy needs to switch over soon.
    needed_ms: int
    #: What it needs at the plateau (ms; 0: it converges).
    plateau_ms: int
    #: Whether the tier's downtime is enough.
    converges: bool
    #: Enough evidence to act on.
    solid: bool
    reason: str


def predict(passes, bandwidth, dirty_bps, limit_ms):
    """Will pre-copy converge within ``limit_ms``?  None before the first
    pass is over or without a bandwidth estimate.
    """
    if not passes.first_done or not bandwidth:
        return None
    work = passes.working_set
    ahead = next_peaks(passes.peak, work, dirty_bps, bandwidth,
                       PASSES_AHEAD)[-1]
    settle = plateau_of(passes.peak, work, dirty_bps, bandwidth)
    seen = passes.plateau
    if seen is not None:
        settle = max(settle, seen)
        ahead = max(ahead, seen)
    needed = downtime_for_bytes(ahead, bandwidth)
    at_plateau = downtime_for_bytes(settle, bandwidth) if settle else 0
    converges = needed <= limit_ms
    solid = (passes.samples_after_first >= 2 or bool(passes.peaks)) and (
        converges or seen is not None or needed >= CLEAR_MISS * limit_ms)
    reason = ('%.0f MiB/s, dirtying %.0f MiB/s in a working set of at '
              'least %.0f MiB: %d ms needed (%d ms at the plateau%s), '
              'the limit is %d ms' % (
                  bandwidth / 2 ** 20, dirty_bps / 2 ** 20, work / 2 ** 20,
                  needed, at_plateau,
                  ', seen' if seen is not None else '', limit_ms))
    return Prediction(needed, at_plateau, converges, solid, reason)


def _acting(decisions):
    """Whether ``decisions`` do more than set the downtime."""
    return any(d.action is not Action.SET_DOWNTIME for d in decisions)


class SLAMonitor(migration.Monitor):
    """The driver's default monitor (see the module doc)."""

    BOTH_FLAGS = True

    def __init__(self, start, config, flags_have_postcopy,
                 flags_have_auto_converge, data_gib, terms=None):
        if terms is None:
            terms = Terms(post_copy=flags_have_postcopy,
                          auto_converge=flags_have_auto_converge)
        super().__init__(start, config, flags_have_postcopy,
                         flags_have_auto_converge, data_gib, terms=terms)
        self.estimate = LinkEstimate()
        self.passes = Passes()
        self.prediction = None
        self._dirty = collections.deque(maxlen=DIRTY_SAMPLES)
        self._cap_seen_at = None
        self._throttle_cap_hit = False
        self._noted = set()
        self._failed_since = None
        self._last_recover = None
        self._recover_at = None
        self._recovery_over = False
        self.recoveries = 0

    # -- post-copy recovery ------------------------------------------------

    @property
    def awaiting_recovery(self):
        return self._failed_since is not None and not self._recovery_over

    def _recover(self, now):
        if not self.terms.can_recover:
            self._recovery_over = True
            self._failed_since = self._failed_since or now
            return []
        if self._failed_since is None:
            self._failed_since = now
        if now - self._failed_since > RECOVER_PATIENCE_S:
            self._recovery_over = True
            return []
        if (self._last_recover is not None
                and now - self._last_recover < RECOVER_RETRY_S):
            return []
        self._recover_at = now
        return [Decision(Action.RECOVER_POSTCOPY, reason=(
            'the post-copy connection broke %d s ago: resuming it '
            '(attempt %d)' % (now - self._failed_since,
                              self.recoveries + 1)))]

    # -- the decisions -----------------------------------------------------

    def step(self, now, job, force_requested=False, postcopy_failed=False):
        if postcopy_failed and self.phase is Phase.POSTCOPY:
            return self._recover(now)
        if job.is_finished:
            self.phase = Phase.FINISHED
        if self.phase is Phase.POSTCOPY and job.is_active:
            self._failed_since = None
        if self.phase in (Phase.FINISHED, Phase.POSTCOPY) or self.aborted:
            return []
        decisions = []

        def add(decision):
            if decision is not None and all(
                    d.action != decision.action for d in decisions):
                decisions.append(decision)

        elapsed = now - self.start
        self.estimate.update(now, job)
        self.passes.update(job)
        page = job.memory_page_size or PAGE_SIZE
        self._dirty.append(job.memory_dirty_rate * page)
        self.prediction = predict(self.passes, self.estimate.rate,
                                  max(self._dirty), self.terms.downtime_ms)

        add(self._downtime(elapsed))
        link_stalled = self.estimate.stalled
        if force_requested or self._force_pending:
            add(self._force('force-complete requested', link_stalled))
        if self.deadline is not None and elapsed > self.deadline:
            add(self._timeout(elapsed, now))
        levers, self._levers_changed = self._levers_changed, False
        if self.watch.update(now, job, levers_changed=levers):
            add(Decision(Action.ABORT, reason=(
                'no progress for %d s (progress timeout %s s); %d bytes '
                'remaining' % (now - self.watch.last_progress,
                               self.config.progress_timeout,
                               job.data_remaining))))
        if self.phase is Phase.PRECOPY and not _acting(decisions):
            add(self._throttle_guard(now, job))
        if self.phase is Phase.PRECOPY and not _acting(decisions):
            add(self._act_on_prediction(now, job))
        return decisions

    def _note(self, key, decision):
        """``decision`` the first time only (for WAIT_FOR_LINK notes)."""
        if key in self._noted:
            return None
        self._noted.add(key)
        return decision

    def _downtime(self, elapsed):
        """The ramp (a floor), raised early when the prediction needs it;
        never above the tier's limit, never lowered.
        """
        limit = self.terms.downtime_ms
        target = min(migration.downtime_for(self.schedule, elapsed), limit)
        why = 'downtime step after %d s' % elapsed
        p = self.prediction
        current = self.downtime
        if p is not None and p.solid and min(p.needed_ms, limit) > target:
            wanted = min(p.needed_ms, limit)
            if current is None or wanted >= min(limit,
                                                current * RAISE_STEP):
                target, why = wanted, 'predicted: %s' % p.reason
        if current is not None and target <= current:
            return None
        return Decision(Action.SET_DOWNTIME, target, why)

    def _timeout(self, elapsed, now):
        why = ('not completed after %d s: the completion timeout is %d s '
               '(%s s/GiB x %d GiB)' % (elapsed, self.deadline,
                                        self.config.completion_timeout,
                                        self.data_gib))
        forcing = (self.config.timeout_action == 'force_complete' or
                   self.terms.rules.forces_at_timeout)
        if forcing and self.phase is Phase.PAUSED_PRECOPY:
            return None  # already forced
        if forcing and self.terms.post_copy and not self.estimate.healthy:
            return self._note('link', Decision(Action.WAIT_FOR_LINK, reason=(
                '%s: the link is stalled or collapsing; post-copy waits '
                'for it' % why)))
        if forcing:
            lever = self._lever(now, why, for_timeout=True)
            if lever is not None:
                return lever
        return Decision(Action.ABORT, reason=why)

    def _pause_fits(self, job):
        """Would pausing now keep the guest's stop within the tier?"""
        bandwidth = self.estimate.rate
        if not self.terms.pause or not bandwidth:
            return False
        p = self.prediction
        extra = 0
        if self.passes.first_done and p is not None:
            extra = p.plateau_ms
        stop = downtime_for_bytes(job.data_remaining, bandwidth) + extra
        return stop <= 0.8 * self.terms.stop_ms

    def _lever(self, now, why, for_timeout=False, job=None):
        """Post-copy, else a pause: what finishes it within the tier (or
        WAIT_FOR_LINK while only post-copy would and the link is down);
        None when nothing may.
        """
        terms = self.terms
        if terms.post_copy:
            if self.estimate.healthy:
                return Decision(Action.START_POSTCOPY, reason=(
                    '%s: switching to post-copy' % why))
            if not terms.pause:
                return self._note('link', Decision(
                    Action.WAIT_FOR_LINK, reason=(
                        '%s: the link is stalled or collapsing; post-copy '
                        'waits for it (pre-copy keeps the guest whole on '
                        'the source)' % why)))
        if terms.pause and self.phase is Phase.PRECOPY and (
                for_timeout or job is None or self._pause_fits(job)):
            return Decision(Action.PAUSE, reason=(
                '%s: pausing the guest so that pre-copy completes (the '
                '%s tier accepts a stop of up to %d ms)' % (
                    why, terms.tier, terms.stop_ms)))
        return None

    def _throttle_guard(self, now, job):
        """Act before QEMU throttles past the tier's limit."""
        terms = self.terms
        throttle = job.auto_converge_throttle
        if not terms.auto_converge or throttle < terms.throttle_cap:
            self._cap_seen_at = None
            return None
        self._throttle_cap_hit = True
        if self._cap_seen_at is None:
            self._cap_seen_at = now
        p = self.prediction
        over = throttle > terms.throttle_cap
        if not over and (now - self._cap_seen_at < CAP_GRACE_S or (
                p is not None and p.converges)):
            return None
        why = ('the vCPUs are throttled %d %%, the %s tier\'s limit is %d '
               '%%, and pre-copy does not converge' % (
                   throttle, terms.tier, terms.throttle_cap))
        lever = self._lever(now, why, job=job)
        if lever is not None and lever.action is not Action.WAIT_FOR_LINK:
            return lever
        return Decision(Action.ABORT, reason=(
            '%s; nothing else the tier allows can finish it: giving up '
            'rather than throttle further' % why))

    def _careful_wait(self, now, job):
        """On a shaky link a careful tier waits: throttling first, then a
        calm link.  True while it should wait.
        """
        terms = self.terms
        if not self.estimate.shaky or terms.stop_ms >= CAREFUL_STOP_MS:
            return False
        if (terms.auto_converge and not self._throttle_cap_hit
                and job.auto_converge_throttle < terms.throttle_cap):
            return True
        return not self.estimate.calm(now)

    def _act_on_prediction(self, now, job):
        p = self.prediction
        if p is None or not p.solid or p.converges:
            return None
        if not self.estimate.healthy:
            return None
        terms = self.terms
        why = 'pre-copy will not converge within the %s tier: %s' % (
            terms.tier, p.reason)
        if terms.rules.gives_up_at_once:
            return Decision(Action.ABORT, reason=(
                '%s; the purpose %s gives up rather than disturb the '
                'guest' % (why, terms.purpose)))
        if terms.post_copy and not self._careful_wait(now, job):
            return self._lever(now, why, job=job)
        if terms.auto_converge and (
                job.auto_converge_throttle < terms.throttle_cap):
            return None  # QEMU throttles; the guard watches the limit
        if terms.post_copy:
            return None  # waiting for a calm link
        lever = self._lever(now, why, job=job)
        if lever is not None:
            return lever
        if p.plateau_ms and self.passes.plateau is not None:
            return Decision(Action.ABORT, reason=(
                '%s; nothing else the tier allows can finish it: giving '
                'up' % why))
        return None

    def record(self, decision):
        if decision.action is Action.RECOVER_POSTCOPY:
            self._last_recover = self._recover_at
            self.recoveries += 1
            return
        super().record(decision)
