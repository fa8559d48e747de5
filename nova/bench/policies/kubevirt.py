"""KubeVirt's two migration monitors, from their documented rules.

Legacy monitor (research anchors, "KubeVirt"): a budget of
``completionTimeoutPerGiB`` (150 s) x the GiB of RAM and migrated volumes;
a progress timeout of 150 s during which ``data_remaining`` must reach a
new low; at the budget's end, with ``allowWorkloadDisruption``, post-copy
if allowed (else the guest is paused), without it an abort.  KubeVirt polls
every 400 ms; the driver's loop here polls every 500 ms.  KubeVirt does not
set the downtime: QEMU's 300 ms default stays.

Stall detector (VEP 248, alpha in v1.9) -- our reading of its rules:

* the downtime starts at ``min(maxDowntimeMs, 300)`` (``maxDowntimeMs``
  900);
* a *stall* is declared when ``remaining >= 0.96 x`` the lowest value
  seen at least 40 s earlier;
* it then waits for a local minimum (``remaining <= 1.04 x`` the best
  seen), with a patience of 40 s that halves each time it runs out
  without one (it acts once the patience is below a poll);
* a budget guard: the implied downtime ``remaining / EWMA(bandwidth,
  alpha 0.4)`` must not exceed ``2 x budget - elapsed`` -- so it does not
  switch during a network drop;
* the action: post-copy if allowed; otherwise a soft switch (the downtime
  raised to ``maxDowntimeMs``) when the implied downtime is at most 1.5 x
  ``maxDowntimeMs``, else a hard stop-and-copy (downtime 2000 s) with
  ``allowWorkloadDisruption``, else an abort;
* a switch-over that has not completed within 60 s escalates (soft to
  hard when allowed, else abort); at ``2 x budget`` it aborts.
"""

import collections

from nova.bench.policies import base

PROGRESS_TIMEOUT_S = 150
COMPLETION_S_PER_GIB = 150
MAX_DOWNTIME_MS = 900
START_DOWNTIME_MS = min(MAX_DOWNTIME_MS, 300)
HARD_DOWNTIME_MS = 2000 * 1000
STALL_WINDOW_S = 40
STALL_RATIO = 0.96
LOCAL_MIN_RATIO = 1.04
PATIENCE_S = 40.0
EWMA_ALPHA = 0.4
SOFT_FACTOR = 1.5
SWITCHOVER_TIMEOUT_S = 60
POLL_S = 0.5


class _Kubevirt(base.ReferenceMonitor):
    """What both monitors share: the budget and the disruption switch.

    The budget counts the GiB the driver passes (RAM and each copied disk,
    rounded up, at least 2 each): KubeVirt's rounded-up sum of RAM and
    volumes is the same for the benchmark's whole-GiB guests.
    """

    ALLOW_DISRUPTION = False

    def __init__(self, start, config, flags_have_postcopy,
                 flags_have_auto_converge, data_gib, allow_disruption=None,
                 terms=None):
        super().__init__(start, config, flags_have_postcopy,
                         flags_have_auto_converge, data_gib, terms=terms)
        self.allow_disruption = (self.ALLOW_DISRUPTION
                                 if allow_disruption is None
                                 else allow_disruption)
        self.budget = COMPLETION_S_PER_GIB * data_gib


class KubevirtLegacy(_Kubevirt):

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lowest = None
        self.lowest_at = 0.0
        self.forced = False

    def decide(self, elapsed, job):
        if self.lowest is None or job.data_remaining < self.lowest:
            self.lowest, self.lowest_at = job.data_remaining, elapsed
        if elapsed - self.lowest_at > PROGRESS_TIMEOUT_S:
            yield base.Decision(base.Action.ABORT, reason=(
                'progress timeout: no new low of data remaining for %d s'
                % PROGRESS_TIMEOUT_S))
        if elapsed > self.budget and not self.forced:
            why = 'completion budget of %d s spent' % self.budget
            if self.allow_disruption:
                self.forced = True
                yield self.force(why)
            else:
                yield base.Decision(base.Action.ABORT, reason=why)


class KubevirtStallDetector(_Kubevirt):

    # With post-copy allowed, KubeVirt's allowWorkloadDisruption defaults
    # to allowed.
    ALLOW_DISRUPTION = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.history = collections.deque()
        self.old_low = None
        self.best = None
        self.bandwidth = None
        self.stalled_at = None
        self.window_end = None
        self.patience = PATIENCE_S
        self.switch = None
        self.switched_at = None

    def _observe(self, elapsed, job):
        remaining = job.data_remaining
        self.best = remaining if self.best is None else min(self.best,
                                                            remaining)
        self.bandwidth = (job.memory_bps + job.disk_bps
                          if self.bandwidth is None else
                          EWMA_ALPHA * (job.memory_bps + job.disk_bps) +
                          (1 - EWMA_ALPHA) * self.bandwidth)
        self.history.append((elapsed, remaining))
        # The lowest value seen at least STALL_WINDOW_S ago.
        while self.history and self.history[0][0] <= (
                elapsed - STALL_WINDOW_S):
            _t, old = self.history.popleft()
            self.old_low = old if self.old_low is None else min(
                self.old_low, old)
        return remaining

    def decide(self, elapsed, job):
        if self.downtime is None:
            yield self.set_downtime(START_DOWNTIME_MS, 'initial downtime')
        remaining = self._observe(elapsed, job)
        if elapsed > 2 * self.budget:
            yield base.Decision(base.Action.ABORT, reason=(
                'twice the completion budget (%d s) spent' % self.budget))
            return
        if self.switch is not None:
            yield self._escalate(elapsed)
            return
        if self.stalled_at is None:
            if (self.old_low is not None and
                    remaining >= STALL_RATIO * self.old_low):
                self.stalled_at = elapsed
                self.window_end = elapsed + self.patience
            return
        implied = (remaining / self.bandwidth if self.bandwidth
                   else float('inf'))
        if implied > 2 * self.budget - elapsed:
            return  # a drop, or far too much left: not now
        if remaining > LOCAL_MIN_RATIO * self.best:
            if elapsed < self.window_end:
                return
            self.patience /= 2.0
            self.window_end = elapsed + self.patience
            if self.patience >= POLL_S:
                return
        yield self._act(elapsed, implied)

    def _act(self, elapsed, implied):
        self.switched_at = elapsed
        if self.flags_have_postcopy:
            self.switch = 'post-copy'
            return base.Decision(base.Action.START_POSTCOPY,
                                 reason='stalled: switching to post-copy')
        if implied * 1000 <= SOFT_FACTOR * MAX_DOWNTIME_MS:
            self.switch = 'soft'
            return base.Decision(base.Action.SET_DOWNTIME, MAX_DOWNTIME_MS,
                                 'stalled: soft switch-over')
        return self._hard_or_abort('stalled')

    def _hard_or_abort(self, why):
        if self.allow_disruption:
            self.switch = 'hard'
            return base.Decision(base.Action.SET_DOWNTIME, HARD_DOWNTIME_MS,
                                 '%s: hard stop-and-copy' % why)
        self.switch = 'abort'
        return base.Decision(base.Action.ABORT,
                             reason='%s: workload disruption not allowed'
                             % why)

    def _escalate(self, elapsed):
        if elapsed - self.switched_at <= SWITCHOVER_TIMEOUT_S:
            return None
        self.switched_at = elapsed
        if self.switch == 'soft':
            return self._hard_or_abort('switch-over timeout')
        return base.Decision(base.Action.ABORT,
                             reason='switch-over timeout')
