"""The project's live-migration policy: decide within the SLA and purpose.

The default monitor of the libvirt driver.  It predicts, from the job
statistics libvirt exposes and nothing else, whether pre-copy will
converge within what the guest's SLA tier allows, and acts on the
prediction instead of waiting for a timeout.  The estimates -- the
bandwidth and the link's health, the pass peaks, the prediction from the
saturating model of the dirty set -- are nova.virt.libvirt.convergence.

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

from nova.virt.libvirt import convergence
from nova.virt.libvirt import migration
from nova.virt import sla

Action = migration.Action
Decision = migration.Decision
Phase = migration.Phase

#: Samples of the dirty rate the prediction looks at (the latest ones).
DIRTY_SAMPLES = 3
#: Seconds a prediction that pre-copy cannot converge must hold before
#: the monitor gives up (unless two passes already show the plateau): a
#: burst of writes is not a verdict.
GIVE_UP_AFTER_S = 20.0
#: An evacuation moves a guest that dirties at least this share of what
#: the link carries to post-copy without waiting for the first pass.
EARLY_DIRTY_SHARE = 0.5
#: Samples of memory transfer before that is judged.
EARLY_SAMPLES = 2
#: The longest a careful tier waits on a shaky link before post-copy.
CAREFUL_MAX_S = 10.0
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

    @property
    def eager_post_copy(self):
        """Go to post-copy as soon as a guest shows it is busy, and give
        up at the first prediction on one nothing allowed can move.
        """
        return self.purpose == sla.PURPOSE.EVACUATE_HOST

    @property
    def eager(self):
        """Spend the whole downtime allowance from the start: the guest
        is expendable, or the host must be emptied.
        """
        return (self.tier == sla.CATTLE or
                self.purpose == sla.PURPOSE.EVACUATE_HOST)

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


def _acting(decisions):
    """Whether ``decisions`` do more than set the downtime."""
    return any(d.action is not Action.SET_DOWNTIME for d in decisions)


class SLAMonitor(migration.Monitor):
    """The driver's default monitor (see the module doc)."""

    def __init__(self, start, config, flags_have_postcopy,
                 flags_have_auto_converge, data_gib, terms=None):
        if terms is None:
            terms = Terms(post_copy=flags_have_postcopy,
                          auto_converge=flags_have_auto_converge)
        super().__init__(start, config, flags_have_postcopy,
                         flags_have_auto_converge, data_gib, terms=terms)
        #: The highest downtime target within the tier's limit.
        self.max_target = convergence.max_target_ms(terms.downtime_ms)
        self.estimate = convergence.LinkEstimate()
        self.passes = convergence.Passes()
        self.prediction = None
        self._dirty = collections.deque(maxlen=DIRTY_SAMPLES)
        self._cap_seen_at = None
        self._careful_since = None
        self._miss_since = None
        self._early_samples = 0
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
        self.passes.update(now, job, self.estimate.rate)
        page = job.memory_page_size or PAGE_SIZE
        self._dirty.append(job.memory_dirty_rate * page)
        self.prediction = convergence.predict(
            self.passes, self.estimate.rate, max(self._dirty),
            self.max_target)
        self._track_miss(now)

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
        if self.phase is Phase.PRECOPY and not _acting(decisions):
            add(self._evacuate_early(now, job))
        return decisions

    def _note(self, key, decision):
        """``decision`` the first time only (for WAIT_FOR_LINK notes)."""
        if key in self._noted:
            return None
        self._noted.add(key)
        return decision

    def _downtime(self, elapsed):
        """The ramp (a floor) until pre-copy shows it will not switch over
        at it by the end of the pass, then the tier's highest target:
        finish now rather than pass after pass.  From the start for an
        eager migration (cattle, or evacuate-host).  Never lowered.
        """
        limit = self.max_target
        target = min(migration.downtime_for(self.schedule, elapsed), limit)
        why = 'downtime step after %d s' % elapsed
        p = self.prediction
        if self.terms.eager:
            target, why = limit, 'the %s tier / %s: finish soonest' % (
                self.terms.tier, self.terms.purpose)
        elif p is not None and p.solid and not (
                p.passes == 0 and p.next_ms <= target):
            target, why = limit, 'predicted: %s' % p.reason
        if self.downtime is not None and target <= self.downtime:
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
        stop = convergence.downtime_for_bytes(job.data_remaining,
                                              bandwidth) + extra
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
        soon = p is not None and p.passes is not None and p.passes <= 1
        if not over and (now - self._cap_seen_at < CAP_GRACE_S or soon):
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
        """On a shaky link a careful tier waits before post-copy: for
        QEMU's throttling to shrink what post-copy must carry (so less is
        exposed to a drop), then for the link to be up CALM_S -- at most
        CAREFUL_MAX_S in all.  True while it should wait.
        """
        terms = self.terms
        if not self.estimate.shaky or terms.stop_ms >= CAREFUL_STOP_MS:
            return False
        if self._careful_since is None:
            self._careful_since = now
        if now - self._careful_since >= CAREFUL_MAX_S:
            return False
        if (terms.auto_converge and not self._throttle_cap_hit
                and job.auto_converge_throttle < terms.throttle_cap):
            return True
        return not self.estimate.calm(now)

    def _evacuate_early(self, now, job):
        """Emptying a host, a busy guest goes to post-copy during its
        first pass: every page then crosses the link once.  (Where QEMU
        reports no dirty rate before its first bitmap sync, this waits
        for the first pass like the rest.)
        """
        terms = self.terms
        if not (terms.eager_post_copy and terms.post_copy):
            return None
        if self.passes.first_done or job.memory_iteration < 1 or (
                job.disk_remaining > job.memory_remaining):
            return None
        self._early_samples += 1
        bandwidth = self.estimate.rate
        if (self._early_samples < EARLY_SAMPLES or not bandwidth
                or not self.estimate.healthy
                or self._careful_wait(now, job)):
            return None
        dirty = max(self._dirty)
        if dirty < EARLY_DIRTY_SHARE * bandwidth:
            return None
        return Decision(Action.START_POSTCOPY, reason=(
            'evacuating: the guest dirties %.0f MiB/s of the %.0f MiB/s '
            'the link carries; post-copy now sends each page once' % (
                dirty / 2 ** 20, bandwidth / 2 ** 20)))

    def _hopeless_throttled(self):
        """Even throttled to the tier's limit (all writes slowing with
        the vCPUs, the best case), pre-copy would not converge.
        """
        p, terms = self.prediction, self.terms
        bandwidth = self.estimate.rate
        if p is None or p.converges or not bandwidth:
            return True
        if not terms.auto_converge:
            return True
        dirty = max(max(self._dirty), self.passes.implied_dirty_rate())
        left = 1.0 - terms.throttle_cap / 100.0
        settle = convergence.plateau_of(
            self.passes.peak, self.passes.working_set, dirty * left,
            bandwidth)
        return convergence.downtime_for_bytes(
            settle, bandwidth) > self.max_target

    def _track_miss(self, now):
        p = self.prediction
        if p is not None and p.solid and not p.converges:
            if self._miss_since is None:
                self._miss_since = now
        else:
            self._miss_since = None

    def _miss_confirmed(self, now):
        """The prediction of a miss held long enough to give up on: a
        whole pass after the first confirms it (its dirty set came back
        to most of the one before), or it held GIVE_UP_AFTER_S seconds.
        An evacuation takes the first prediction: it does not hold the
        link for a guest it cannot move while others wait.
        """
        return self._miss_since is not None and (
            self.terms.eager_post_copy or self.passes.regrowing or
            now - self._miss_since >= GIVE_UP_AFTER_S)

    def _act_on_prediction(self, now, job):
        """Levers for a pre-copy predicted not to converge within the
        tier -- or, where post-copy may be used, one that would need two
        passes more or longer: post-copy then finishes sooner.
        """
        p = self.prediction
        if p is None or not p.solid or not self.estimate.healthy:
            return None
        slow = p.passes is None or p.passes >= 2
        if p.converges and not (slow and self.terms.post_copy):
            return None
        terms = self.terms
        if p.converges:
            why = ('pre-copy would need %s more passes within the %s tier: '
                   '%s' % ('several' if p.passes is None else p.passes,
                           terms.tier, p.reason))
        else:
            why = 'pre-copy will not converge within the %s tier: %s' % (
                terms.tier, p.reason)
        if not p.converges and terms.rules.gives_up_at_once:
            if not self._miss_confirmed(now):
                return None
            return Decision(Action.ABORT, reason=(
                '%s; the purpose %s gives up rather than disturb the '
                'guest' % (why, terms.purpose)))
        if terms.post_copy and not self._careful_wait(now, job):
            return self._lever(now, why, job=job)
        if p.converges:
            return None
        if terms.auto_converge and (
                job.auto_converge_throttle < terms.throttle_cap) and not (
                    self._hopeless_throttled()):
            return None  # QEMU throttles; the guard watches the limit
        if terms.post_copy:
            return None  # waiting for a calm link
        lever = self._lever(now, why, job=job)
        if lever is not None:
            return lever
        if self._hopeless_throttled() and self._miss_confirmed(now):
            return Decision(Action.ABORT, reason=(
                '%s; nothing else the tier allows can finish it%s: giving '
                'up' % (why, ', even throttled to its %d %% limit' % (
                    terms.throttle_cap) if terms.auto_converge else '')))
        return None

    def record(self, decision):
        if decision.action is Action.RECOVER_POSTCOPY:
            self._last_recover = self._recover_at
            self.recoveries += 1
            return
        super().record(decision)
