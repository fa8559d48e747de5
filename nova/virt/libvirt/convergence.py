"""What pre-copy will do next, from libvirt's job statistics alone.

The estimates the SLA policy (nova.virt.libvirt.sla_policy) decides from,
as plain values and pure functions:

* :class:`LinkEstimate` -- the migration's bandwidth, from the memory and
  disk rates of the samples that moved data, and the link's health:
  *stalled* (nothing moved for a second), *collapsing* (far below its best
  rate), *shaky* (it stalled during this migration);
* :class:`Passes` -- pre-copy's passes: each starts with the pages dirtied
  during the last one, and its peak is reconstructed from the first
  sample after QEMU's bitmap sync;
* :func:`predict` -- the next pass peaks under the saturating model ``P'
  = W (1 - exp(-d P / (R W)))`` (``W`` the working set, at least the
  largest pass after the first; ``d`` the dirty rate; ``R`` the
  bandwidth) and the plateau they tend to, hence the downtime pre-copy
  needs and whether a limit is enough.  Two pass peaks within 5 % of
  each other show a plateau whatever the model says.
"""

import dataclasses
import math

from nova.virt.libvirt import migration

#: QEMU's switch-over costs about this much on top of the copy (ms).
SWITCHOVER_MS = 50
#: Safety on the needed downtime: the bandwidth jitters.
MARGIN = 1.15
#: Share of (the tier's limit - the switch-over cost) the monitor lets
#: QEMU aim at: the final copy runs at the link's rate of the moment.
TARGET_SHARE = 0.9
#: Passes pre-copy may still take at the downtime the policy sets.
PASSES_AHEAD = 3
#: Two pass peaks within this ratio are a plateau.
PLATEAU_RATIO = 0.95
#: A pass that redirtied at least this share of the one before shows a
#: working set that keeps coming back (not a passing burst).
REGROW_RATIO = 0.7
#: A model prediction beyond the tier by this factor is solid alone.
CLEAR_MISS = 1.3
#: A link whose rate falls under this share of its best is collapsing.
COLLAPSE_RATIO = 0.3
#: Seconds a shaky link must have been up before a careful tier's guest
#: goes to post-copy on it.
CALM_S = 5.0


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
    """Pre-copy's passes, from the saw-tooth of the remaining data.

    Within a pass the remaining falls at the migration's rate; a bitmap
    sync (``memory_iteration`` + 1) sets it to the pages dirtied during
    the pass.  The peak of a pass is reconstructed from the first sample
    after its sync: the sync came when the previous sample's remaining
    was sent, so the pass started with what is left now plus what was
    sent since.
    """

    def __init__(self):
        self.iteration = None
        self.peak = 0.0
        #: Peaks of the completed passes after the first, in order.
        self.peaks = []
        #: Time of the last sync, when known, and of the first.
        self.synced_at = None
        self.first_sync_at = None
        #: Seconds the last completed pass took (None: unknown).
        self.last_duration = None
        #: Samples taken since the first pass ended.
        self.samples_after_first = 0
        self._last = None

    def update(self, now, job, bandwidth):
        remaining = float(job.data_remaining)
        iteration = job.memory_iteration
        if iteration != self.iteration:
            synced = None
            if (self._last is not None and bandwidth
                    and iteration == self.iteration + 1):
                then, before = self._last
                synced = min(now, then + before / bandwidth)
            if self.iteration is not None and self.iteration >= 2:
                self.peaks.append(self.peak)
            self.last_duration = (
                synced - self.synced_at
                if synced is not None and self.synced_at is not None
                else None)
            self.synced_at = synced
            if iteration >= 2 and self.first_sync_at is None:
                self.first_sync_at = synced if synced is not None else now
            self.iteration = iteration
            self.peak = remaining + (bandwidth * (now - synced)
                                     if synced is not None else 0.0)
        else:
            self.peak = max(self.peak, remaining)
        if (self.iteration or 0) >= 2:
            self.samples_after_first += 1
        self._last = (now, remaining)

    @property
    def first_done(self):
        return (self.iteration or 0) >= 2

    @property
    def working_set(self):
        """The largest pass after the first: a floor on the working set."""
        return max(self.peaks + [self.peak]) if self.first_done else 0.0

    @property
    def plateau(self):
        """The last peak, when the last two passes stopped shrinking."""
        if len(self.peaks) >= 2 and (
                self.peaks[-1] >= PLATEAU_RATIO * self.peaks[-2]):
            return self.peaks[-1]
        return None

    @property
    def regrowing(self):
        """The dirty set came back to most of the last pass: the pass
        that began redirtied at least REGROW_RATIO of the one before.
        """
        return bool(self.peaks) and self.peak >= REGROW_RATIO * (
            self.peaks[-1])

    def implied_dirty_rate(self):
        """Bytes/s dirtied during the last complete pass (what QEMU
        itself reports), or 0 when unknown.
        """
        if self.last_duration and self.last_duration > 0:
            return self.peak / self.last_duration
        return 0.0


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
        if following <= 0.001 * max(peak, 1.0):
            return 0.0
        if abs(following - peak) <= 0.001 * peak:
            return following
        peak = following
    return peak


def downtime_for_bytes(nbytes, bandwidth):
    """Downtime target (ms) that lets QEMU switch over with ``nbytes``
    left (the guest then stops for about SWITCHOVER_MS more).
    """
    return int(math.ceil(MARGIN * 1000.0 * nbytes / bandwidth))


def max_target_ms(limit_ms):
    """The highest downtime target that keeps the stop within
    ``limit_ms``.
    """
    return max(1, int(TARGET_SHARE * (limit_ms - SWITCHOVER_MS)))


@dataclasses.dataclass(frozen=True)
class Prediction:
    #: Downtime target (ms) that switches over at the end of this pass.
    next_ms: int
    #: What it needs at the plateau the peaks tend to (ms; 0: it
    #: converges whatever the downtime).
    plateau_ms: int
    #: Passes after this one before the peaks fit ``limit_ms`` (None:
    #: never).
    passes: int
    #: Whether the highest allowed target is enough, some day.
    converges: bool
    #: Enough evidence to act on.
    solid: bool
    reason: str


def predict(passes, bandwidth, dirty_bps, limit_ms, horizon=PASSES_AHEAD):
    """Will pre-copy switch over within a target of ``limit_ms``, and
    when?  None before the first pass is over or without a bandwidth.
    """
    if not passes.first_done or not bandwidth:
        return None
    work = passes.working_set
    dirty = max(dirty_bps, passes.implied_dirty_rate())
    ahead = next_peaks(passes.peak, work, dirty, bandwidth, horizon)
    settle = plateau_of(passes.peak, work, dirty, bandwidth)
    seen = passes.plateau
    if seen is not None:
        settle = max(settle, seen)
        ahead = [max(p, seen) for p in ahead]
    fits = bandwidth * limit_ms / (1000.0 * MARGIN)
    count = next((i for i, p in enumerate(ahead) if p <= fits), None)
    at_plateau = downtime_for_bytes(settle, bandwidth)
    converges = settle <= fits
    solid = converges or seen is not None or (
        passes.samples_after_first >= 2 and
        at_plateau >= CLEAR_MISS * limit_ms)
    reason = ('%.0f MiB/s, dirtying %.0f MiB/s in a working set of at '
              'least %.0f MiB: %d ms to switch over after this pass, %d ms '
              'at the plateau%s; the target limit is %d ms' % (
                  bandwidth / 2 ** 20, dirty / 2 ** 20, work / 2 ** 20,
                  downtime_for_bytes(ahead[0], bandwidth), at_plateau,
                  ' (seen)' if seen is not None else '', limit_ms))
    return Prediction(downtime_for_bytes(ahead[0], bandwidth), at_plateau,
                      count, converges, solid, reason)
