"""Live-migration physics, free of any libvirt vocabulary.

A ``MigrationModel`` follows one migration of one guest through small time
steps (``step(dt)``).  Sizes are MiB (floats), rates MiB/s, durations
seconds unless a name says otherwise.

Pre-copy: the first pass sends the guest's RAM; pages that are all zero
cost (almost) nothing.  While a pass is being sent the guest writes pages,
which must be sent again in the next pass.  Writes land in the writable
working set (WWS), so the dirty set of the next pass saturates at the WWS
size: dS = (W - S) (1 - exp(-w dt / W)) plus a linear cold part.  When the
current pass is sent the dirty set becomes the next pass (a bitmap sync,
which counts an iteration).  As soon as the data still to send fits in
bandwidth x max downtime the guest is stopped and the rest is copied: the
downtime is the fixed switchover cost plus remaining / link bandwidth (as
QEMU, the final copy ignores the migration's bandwidth cap).

A page stays dirty until it is sent: a workload that shrinks its working
set leaves the pages it dirtied before to be sent all the same.

Auto-converge throttles the guest's vCPUs (20 %, then +10 % per trigger,
at most 99 %); only the CPU-bound share of the writes slows down.  Post-copy
moves the guest to the destination after a short stop and then pushes the
remaining pages, while each first touch of a page still on the source
faults: the vCPU waits a round trip plus the page's transfer (longer when
the requests queue), so the guest runs at ``1 / (1 + f tau / vCPUs)`` of
its speed for ``f`` faults per second of ``tau`` seconds each; the time
lost is the fault *blocktime*.  While the link is down the guest stalls on
its first missing page; only once the transport gives up (the keepalive,
as in pre-copy) does post-copy *pause* (QEMU's postcopy-paused): the guest
then lives on neither host until the migration is resumed -- or is lost.

The model also keeps what only the guest would know (``guest_report()``):
how long it was stopped (switch-over downtime, pauses, stalls), its fault
blocktime and its throttled vCPU-seconds.
"""

import collections
import dataclasses
import math

MiB = 1024 * 1024
PAGE_SIZE = 4096
PAGES_PER_MIB = MiB // PAGE_SIZE

PRECOPY = 'precopy'
PAUSED_PRECOPY = 'paused-precopy'
POSTCOPY = 'postcopy'
#: Post-copy whose connection broke: waits to be resumed (or lost).
POSTCOPY_PAUSED = 'postcopy-paused'
COMPLETED = 'completed'
FAILED = 'failed'
CANCELLED = 'cancelled'
LOST = 'lost'
ACTIVE_MODES = (PRECOPY, PAUSED_PRECOPY, POSTCOPY, POSTCOPY_PAUSED)
FINAL_MODES = (COMPLETED, FAILED, CANCELLED, LOST)

DEFAULT_BANDWIDTH_MBPS = 1250.0
DEFAULT_MAX_DOWNTIME_MS = 300
SWITCHOVER_COST_MS = 50.0
DEVICE_STATE_MB = 1.0
KEEPALIVE_TIMEOUT_S = 30.0
#: Round trip of a post-copy page request, seconds (a LAN round trip plus
#: the fault handling on both sides; an assumption, see the docs).
DEFAULT_RTT_S = 0.0005
AUTO_CONVERGE_INITIAL = 20
AUTO_CONVERGE_INCREMENT = 10
AUTO_CONVERGE_MAX = 99
AUTO_CONVERGE_THRESHOLD = 0.5
AUTO_CONVERGE_PERIOD_S = 1.0
AUTO_CONVERGE_TRIGGERS = 2
RATE_WINDOW_S = 1.0
IDLE_WWS_MB = 16.0
IDLE_DIRTY_RATE_MBPS = 1.0

_EPS = 1e-9


class MigrationError(Exception):
    """A request the migration cannot honour in its current state."""


class PostcopyNotEnabled(MigrationError):
    """Post-copy was requested but not enabled when the migration began."""


class InvalidState(MigrationError):
    """The operation does not apply to the migration's current mode."""


@dataclasses.dataclass
class Workload:
    """What the guest does to its memory and disks.

    ``wws_mb`` is the writable working set, ``dirty_rate_mbps`` the rate
    at which the guest writes pages inside it, ``cold_dirty_rate_mbps``
    a slow rate of writes spread over the rest of RAM.
    ``cpu_bound_fraction`` (phi) is the share of the writes that slows
    down when the vCPUs are throttled; ``zero_fraction`` (z) the share of
    RAM that is zero pages.
    """

    ram_mb: float
    wws_mb: float
    dirty_rate_mbps: float
    cold_dirty_rate_mbps: float = 0.0
    cpu_bound_fraction: float = 1.0
    zero_fraction: float = 0.0
    disk_gb: float = 0.0
    disk_write_rate_mbps: float = 0.0

    def __post_init__(self):
        if self.ram_mb <= 0:
            raise ValueError('ram_mb must be positive')
        for name in ('wws_mb', 'dirty_rate_mbps', 'cold_dirty_rate_mbps',
                     'disk_gb', 'disk_write_rate_mbps'):
            if getattr(self, name) < 0:
                raise ValueError('%s must not be negative' % name)
        if not 0.0 <= self.cpu_bound_fraction <= 1.0:
            raise ValueError('cpu_bound_fraction must be within [0, 1]')
        if not 0.0 <= self.zero_fraction < 1.0:
            raise ValueError('zero_fraction must be within [0, 1)')

    @classmethod
    def idle(cls, ram_mb, disk_gb=0.0):
        """An idle guest: a tiny working set, written slowly."""
        return cls(ram_mb=ram_mb, wws_mb=min(IDLE_WWS_MB, ram_mb),
                   dirty_rate_mbps=IDLE_DIRTY_RATE_MBPS, disk_gb=disk_gb)


@dataclasses.dataclass(frozen=True)
class Telemetry:
    """What a job-statistics call can see; bytes, pages and milliseconds."""

    mode: str
    time_elapsed_ms: int
    memory_total: int
    memory_processed: int
    memory_remaining: int
    memory_constant: int
    memory_normal: int
    memory_normal_bytes: int
    memory_bps: int
    memory_dirty_rate: int
    memory_iteration: int
    memory_postcopy_requests: int
    disk_total: int
    disk_processed: int
    disk_remaining: int
    disk_bps: int
    auto_converge_throttle: int
    downtime_ms: int

    @property
    def data_total(self):
        return self.memory_total + self.disk_total

    @property
    def data_processed(self):
        return self.memory_processed + self.disk_processed

    @property
    def data_remaining(self):
        return self.memory_remaining + self.disk_remaining


def _bytes(mb):
    return int(round(mb * MiB))


class MigrationModel(object):
    """One migration of one guest, advanced by ``step(dt)``.

    ``link_bandwidth`` (the link's share, 0 while the link is down),
    ``max_bandwidth`` (0 = unlimited), ``postcopy_bandwidth`` and
    ``max_downtime_ms`` may be changed at any time by the owner.
    """

    def __init__(self, workload, bandwidth_mbps=DEFAULT_BANDWIDTH_MBPS,
                 max_bandwidth_mbps=0.0,
                 max_downtime_ms=DEFAULT_MAX_DOWNTIME_MS,
                 block_migration=False, auto_converge=False,
                 postcopy_enabled=False, guest_paused=False,
                 auto_converge_initial=AUTO_CONVERGE_INITIAL,
                 auto_converge_increment=AUTO_CONVERGE_INCREMENT,
                 postcopy_bandwidth_mbps=0.0,
                 switchover_cost_ms=SWITCHOVER_COST_MS,
                 keepalive_timeout=KEEPALIVE_TIMEOUT_S, setup_time_s=0.0,
                 vcpus=1, rtt_s=DEFAULT_RTT_S):
        self.workload = workload
        self.ram_mb = float(workload.ram_mb)
        self.link_bandwidth = float(bandwidth_mbps)
        self.max_bandwidth = float(max_bandwidth_mbps)
        self.postcopy_bandwidth = float(postcopy_bandwidth_mbps)
        self.max_downtime_ms = float(max_downtime_ms)
        self.block_migration = bool(block_migration)
        self.auto_converge = bool(auto_converge)
        self.postcopy_enabled = bool(postcopy_enabled)
        self.guest_paused = bool(guest_paused)
        self.auto_converge_initial = int(auto_converge_initial)
        self.auto_converge_increment = int(auto_converge_increment)
        self.switchover_cost_ms = float(switchover_cost_ms)
        self.keepalive_timeout = float(keepalive_timeout)
        self.vcpus = max(1, int(vcpus))
        self.rtt_s = max(0.0, float(rtt_s))

        self.elapsed = 0.0
        # Time before the first page moves (starting the destination's
        # QEMU and connecting): nothing is sent, the clock runs.
        self._setup_left = max(0.0, float(setup_time_s))
        # Bitmap syncs QEMU makes that this model's passes do not show
        # (the one inside the final stop-and-copy, the one that precedes
        # a switch-over in the middle of a pass): its iteration count
        # includes them.
        self._extra_syncs = 0
        self.reason = None
        self.downtime_ms = None
        self.throttle = 0
        self.postcopy_requests = 0.0
        self._phase = PRECOPY
        self._postcopy_pending = False
        self._outage = 0.0
        # Post-copy: MiB of the working set still on the source.
        self._hot_missing = 0.0
        # Share of the working set among the pages of the current pass.
        self._cur_hot_share = 0.0
        # What the guest lives through (seconds; see guest_report()).
        self._started_paused = self.guest_paused
        self.stop_s = 0.0
        self.blocktime_s = 0.0
        self.throttled_vcpu_s = 0.0
        self.postcopy_at_s = None
        self.paused_at_s = None

        self.disk_total = (workload.disk_gb * 1024.0
                           if self.block_migration else 0.0)
        self.disk_remaining = self.disk_total
        self.disk_processed = 0.0
        self._disk_bulk = self.disk_total > 0

        self.iteration = 0
        self.memory_processed = 0.0
        self._constant_mb = 0.0
        self._cur = 0.0
        self._nxt_wws = 0.0
        self._nxt_cold = 0.0
        self._first_pass = True
        if not self._disk_bulk:
            self._start_memory()

        self._ac_count = 0
        self._ac_start = 0.0
        self._ac_dirtied = 0.0
        self._ac_sent = 0.0

        self._window = collections.deque()
        self._win = [0.0, 0.0, 0.0, 0.0]  # span, mem sent, dirtied, disk

    # -- state ---------------------------------------------------------

    @property
    def mode(self):
        if self._phase == PRECOPY and self.guest_paused:
            return PAUSED_PRECOPY
        return self._phase

    @property
    def finished(self):
        return self._phase in FINAL_MODES

    @property
    def in_postcopy(self):
        """True once the guest runs on the destination (paused or not)."""
        return self._phase in (POSTCOPY, POSTCOPY_PAUSED)

    @property
    def postcopy_paused(self):
        return self._phase == POSTCOPY_PAUSED

    @property
    def disk_phase(self):
        """True while the disks are bulk-copied, before memory starts."""
        return self._disk_bulk

    @property
    def bandwidth(self):
        """Bandwidth the migration can use now, MiB/s."""
        link = max(0.0, self.link_bandwidth)
        cap = self.max_bandwidth
        if self._phase == POSTCOPY and self.postcopy_bandwidth > 0:
            cap = self.postcopy_bandwidth
        return min(link, cap) if cap > 0 else link

    @property
    def memory_remaining_mb(self):
        if self._disk_bulk:
            return self.ram_mb
        return self._cur + self._nxt_wws + self._nxt_cold

    @property
    def remaining_mb(self):
        return self.memory_remaining_mb + self.disk_remaining

    @property
    def reported_memory_remaining_mb(self):
        """What QEMU reports as remaining: its dirty bitmap's count.

        In pre-copy the bitmap only learns of newly dirtied pages at the
        next bitmap sync (the end of a pass), so the reported value falls
        through a pass and jumps up at each sync -- the saw-tooth a
        monitor sees.  The switch-over decision uses the exact value.
        """
        if self._phase in (PRECOPY, PAUSED_PRECOPY) and not self._disk_bulk:
            return self._cur
        return self.memory_remaining_mb

    def set_workload(self, workload):
        """Change what the guest does from now on (RAM size is kept).

        Pages dirtied before stay dirty: those of a working set that
        shrinks count from now on with the rest of RAM, and are sent all
        the same.
        """
        self.workload = workload
        excess = self._nxt_wws - self._wws()
        if excess > 0:
            self._nxt_wws -= excess
            self._nxt_cold += excess
        self._hot_missing = min(self._hot_missing, self._wws())

    # -- controls ------------------------------------------------------

    def pause_guest(self):
        if not self.guest_paused and self.paused_at_s is None:
            self.paused_at_s = self.elapsed
        self.guest_paused = True

    def resume_guest(self):
        self.guest_paused = False

    def start_postcopy(self):
        """Move the guest to the destination and push the rest after it."""
        if not self.postcopy_enabled:
            raise PostcopyNotEnabled('post-copy migration was not enabled')
        if self.finished:
            raise InvalidState('migration is not active')
        if self._phase == POSTCOPY or self._postcopy_pending:
            raise InvalidState('post-copy already started')
        if self._disk_bulk or self.bandwidth <= 0:
            # Acted upon once memory migration starts, as QEMU does; and
            # with the link down, once it carries the device state again
            # (the guest keeps running on the source meanwhile).
            self._postcopy_pending = True
            return
        self._switch_to_postcopy()

    def resume_postcopy(self):
        """Resume a paused post-copy (libvirt's POSTCOPY_RESUME)."""
        if self._phase != POSTCOPY_PAUSED:
            raise InvalidState('post-copy is not paused')
        self._phase = POSTCOPY
        self._outage = 0.0
        self.reason = None

    def cancel(self):
        if self.in_postcopy:
            raise InvalidState('cannot abort migration in post-copy mode')
        if self.finished:
            raise InvalidState('migration is not active')
        self._finish(CANCELLED, 'canceled by client')

    def fail(self, reason):
        """The migration breaks: the guest stays on the source in
        pre-copy, and is lost in post-copy.
        """
        if self.finished:
            return
        self._finish(LOST if self.in_postcopy else FAILED, reason)

    def lose(self, reason):
        """The guest itself is gone (its host died)."""
        if not self.finished:
            self._finish(LOST, reason)

    # -- physics -------------------------------------------------------

    def step(self, dt):
        """Advance the migration by ``dt`` seconds."""
        if self.finished or dt <= 0:
            return
        if self._setup_left > 0:
            used = min(dt, self._setup_left)
            self._setup_left -= used
            self.elapsed += used
            dt -= used
            if dt <= _EPS:
                return
        self.elapsed += dt
        if self._phase == POSTCOPY:
            self._step_postcopy(dt, self.bandwidth)
        elif self._phase == POSTCOPY_PAUSED:
            self._stall(dt)
            self._record(dt, 0.0, 0.0, 0.0)
        else:
            if self.guest_paused and not self._started_paused:
                self.stop_s += dt
            elif self.throttle:
                self.throttled_vcpu_s += self.throttle / 100.0 * (
                    self.vcpus * dt)
            self._step_precopy(dt, self.bandwidth)

    def _wws(self):
        return min(self.workload.wws_mb, self.ram_mb)

    def _start_memory(self):
        self._disk_bulk = False
        self.iteration = 1
        self._cur = self.ram_mb
        self._cur_hot_share = self._wws() / self.ram_mb
        self._first_pass = True

    def _step_precopy(self, dt, bw):
        dirtied = 0.0 if self._disk_bulk else self._dirty(dt)
        self._disk_writes(dt)
        if bw <= 0:
            self._outage += dt
            self._record(dt, 0.0, dirtied, 0.0)
            if self._outage > self.keepalive_timeout:
                self._finish(FAILED, 'connection to the destination timed '
                                     'out (keepalive)')
            return
        self._outage = 0.0
        budget = bw * dt
        disk_sent = min(self.disk_remaining, budget)
        self.disk_remaining -= disk_sent
        self.disk_processed += disk_sent
        budget -= disk_sent
        if self._disk_bulk:
            if self.disk_remaining > _EPS:
                self._record(dt, 0.0, dirtied, disk_sent)
                return
            self.disk_remaining = 0.0
            self._start_memory()
        mem_sent = self._send(budget, sync=True)
        self._record(dt, mem_sent, dirtied, disk_sent)
        if self._postcopy_pending:
            self._switch_to_postcopy()
            return
        self._maybe_switchover(bw)

    def _dirty(self, dt):
        """Let the guest write for ``dt``; return MiB newly dirtied."""
        if self.guest_paused:
            return 0.0
        wl = self.workload
        wws = self._wws()
        rate = wl.dirty_rate_mbps * (
            1.0 - wl.cpu_bound_fraction * self.throttle / 100.0)
        added = 0.0
        if wws > 0 and rate > 0 and self._nxt_wws < wws:
            inc = (wws - self._nxt_wws) * -math.expm1(-rate * dt / wws)
            self._nxt_wws += inc
            added += inc
        cold_room = self.ram_mb - wws - self._nxt_cold
        if wl.cold_dirty_rate_mbps > 0 and cold_room > 0:
            inc = min(wl.cold_dirty_rate_mbps * dt, cold_room)
            self._nxt_cold += inc
            added += inc
        self._ac_dirtied += added
        return added

    def _disk_writes(self, dt):
        rate = self.workload.disk_write_rate_mbps
        if self.disk_total <= 0 or rate <= 0 or self.guest_paused:
            return
        # During the bulk copy only writes to already copied blocks
        # need copying again.
        copied = 1.0
        if self._disk_bulk:
            copied = max(0.0, 1.0 - self.disk_remaining / self.disk_total)
        self.disk_remaining = min(self.disk_total,
                                  self.disk_remaining + rate * dt * copied)

    def _zero_share(self):
        return self.workload.zero_fraction if self._first_pass else 0.0

    def _send(self, budget, sync):
        """Send up to ``budget`` MiB of pages; return MiB on the wire."""
        sent = 0.0
        while budget > _EPS:
            if self._cur > _EPS:
                zero = self._zero_share()
                scanned = min(self._cur, budget / (1.0 - zero))
                normal = scanned * (1.0 - zero)
                self._constant_mb += scanned - normal
                self._cur -= scanned
                budget -= normal
                sent += normal
            if self._cur > _EPS:
                continue
            self._cur = 0.0
            if not sync or self._nxt_wws + self._nxt_cold <= _EPS:
                break
            self._bitmap_sync()
        self.memory_processed += sent
        self._ac_sent += sent
        return sent

    def _bitmap_sync(self):
        self.iteration += 1
        self._first_pass = False
        self._cur = self._nxt_wws + self._nxt_cold
        self._cur_hot_share = (self._nxt_wws / self._cur
                               if self._cur > _EPS else 0.0)
        self._nxt_wws = self._nxt_cold = 0.0
        self._check_auto_converge()

    def _check_auto_converge(self):
        if not self.auto_converge:
            return
        if self.elapsed - self._ac_start < AUTO_CONVERGE_PERIOD_S:
            return
        if self._ac_dirtied > AUTO_CONVERGE_THRESHOLD * self._ac_sent:
            self._ac_count += 1
            if self._ac_count >= AUTO_CONVERGE_TRIGGERS:
                self._ac_count = 0
                if self.throttle == 0:
                    self.throttle = self.auto_converge_initial
                else:
                    self.throttle += self.auto_converge_increment
                self.throttle = min(self.throttle, AUTO_CONVERGE_MAX)
        self._ac_start = self.elapsed
        self._ac_dirtied = self._ac_sent = 0.0

    def _maybe_switchover(self, bw):
        remaining = self.remaining_mb
        if remaining > bw * self.max_downtime_ms / 1000.0:
            return
        # QEMU learns of the pages dirtied since the last bitmap sync only
        # by syncing again: switching over in the middle of a pass, it
        # has made one more sync than this model counts.
        if self._cur > _EPS and self._nxt_wws + self._nxt_cold > _EPS:
            self._extra_syncs += 1
        # The threshold counts dirty pages; zero pages among them cost
        # next to nothing on the wire.
        zero = self._cur * self._zero_share()
        # QEMU lifts the bandwidth cap for the final stop-and-copy (the
        # decision above used the capped rate): only the link bounds it.
        final_bw = max(bw, self.link_bandwidth)
        self.downtime_ms = (self.switchover_cost_ms +
                            (remaining - zero) / final_bw * 1000.0)
        self.elapsed += self.downtime_ms / 1000.0
        self.stop_s += self.downtime_ms / 1000.0
        self._constant_mb += zero
        self.memory_processed += self.memory_remaining_mb - zero
        self._cur = self._nxt_wws = self._nxt_cold = 0.0
        self.disk_processed += self.disk_remaining
        self.disk_remaining = 0.0
        self._extra_syncs += 1
        self._finish(COMPLETED)

    def _switch_to_postcopy(self):
        self._postcopy_pending = False
        self.iteration += 1
        # The working set's pages still on the source: all those dirtied
        # since the last sync, and the share of the pass not yet sent.
        hot = self._nxt_wws + self._cur * self._cur_hot_share
        # Pages dirtied and not yet sent in this pass are counted once.
        self._cur = min(self.ram_mb, self.memory_remaining_mb)
        self._hot_missing = min(self._wws(), hot, self._cur)
        self._nxt_wws = self._nxt_cold = 0.0
        self._phase = POSTCOPY
        self.postcopy_at_s = self.elapsed
        bw = self.bandwidth
        flush = DEVICE_STATE_MB + self.disk_remaining
        self.downtime_ms = self.switchover_cost_ms + flush / bw * 1000.0
        self.elapsed += self.downtime_ms / 1000.0
        self.stop_s += self.downtime_ms / 1000.0
        self.disk_processed += self.disk_remaining
        self.disk_remaining = 0.0

    def _touching(self):
        """True while the guest runs into pages still on the source."""
        return (not self.guest_paused and self._hot_missing > _EPS
                and self.workload.dirty_rate_mbps > 0 and self._wws() > 0)

    def _stall(self, dt):
        """No page can come: the guest waits on its first missing one."""
        if self._touching():
            self.blocktime_s += dt
            self.stop_s += dt

    def fault_slowdown(self, bw):
        """(guest speed 0..1, faults per second) at bandwidth ``bw``.

        A vCPU that touches a page still on the source waits ``tau`` =
        round trip + the page's time on the wire stretched by queueing
        behind the other requests (``page / (1 - u)``, ``u`` the share of
        the link the requested pages take).  The guest runs at ``speed =
        1 / (1 + f tau / vCPUs)`` of its pace for ``f`` faults per second
        at full pace, which makes ``u = speed f page``: solved for ``u``.
        """
        if not self._touching() or bw <= 0:
            return 1.0, 0.0
        wws = self._wws()
        # Faults per second at full speed: writes landing on missing pages.
        rate = (self.workload.dirty_rate_mbps * PAGES_PER_MIB *
                min(1.0, self._hot_missing / wws))
        page_s = 1.0 / (bw * PAGES_PER_MIB)

        def speed_at(busy):
            tau = self.rtt_s + page_s / (1.0 - busy)
            return 1.0 / (1.0 + rate * tau / self.vcpus)
        low, high = 0.0, 1.0
        for _ in range(30):
            mid = (low + high) / 2.0
            if mid < speed_at(mid) * rate * page_s:
                low = mid
            else:
                high = mid
        speed = speed_at(low)
        return speed, speed * rate

    def _step_postcopy(self, dt, bw):
        if bw <= 0:
            self._outage += dt
            self._stall(dt)
            self._record(dt, 0.0, 0.0, 0.0)
            if self._outage > self.keepalive_timeout:
                self._phase = POSTCOPY_PAUSED
                self.reason = ('connection to the destination lost during '
                               'post-copy (keepalive)')
            return
        self._outage = 0.0
        budget = bw * dt
        speed, faults = self.fault_slowdown(bw)
        demand = 0.0
        if faults > 0:
            self.blocktime_s += (1.0 - speed) * dt
            # Requested pages go first, each once, at the head of the link.
            demand = min(faults * dt / PAGES_PER_MIB, self._hot_missing,
                         budget)
            self.postcopy_requests += demand * PAGES_PER_MIB
            self._hot_missing -= demand
            self._cur -= demand
            self.memory_processed += demand
            budget -= demand
        before = self._cur
        sent = demand + self._send(budget, sync=False)
        if before > _EPS:
            # The background push walks RAM: it meets the working set's
            # pages in proportion.
            self._hot_missing *= max(0.0, self._cur / before)
        self._record(dt, sent, 0.0, 0.0)
        if self._cur <= _EPS:
            self._cur = self._hot_missing = 0.0
            self._finish(COMPLETED)

    def _finish(self, mode, reason=None):
        self._phase = mode
        self.reason = reason

    def _record(self, dt, mem_sent, dirtied, disk_sent):
        entry = (dt, mem_sent, dirtied, disk_sent)
        self._window.append(entry)
        for i, value in enumerate(entry):
            self._win[i] += value
        while self._win[0] - self._window[0][0] >= RATE_WINDOW_S - _EPS:
            old = self._window.popleft()
            for i, value in enumerate(old):
                self._win[i] -= value

    # -- telemetry -----------------------------------------------------

    def guest_report(self):
        """What the guest lived through; not visible to libvirt clients.

        ``stop_s``: guest-visible stop -- switch-over downtime, time the
        guest was paused during the migration, time it stalled in
        post-copy for lack of a link; ``blocktime_s``: time lost to
        post-copy faults (stalls included); ``throttled_vcpu_s``:
        auto-converge throttle x vCPUs x time; ``postcopy_at_s`` and
        ``paused_at_s``: when post-copy started and the guest was paused
        (None: never).
        """
        return {'stop_s': self.stop_s, 'blocktime_s': self.blocktime_s,
                'postcopy_at_s': self.postcopy_at_s,
                'paused_at_s': self.paused_at_s,
                'throttled_vcpu_s': self.throttled_vcpu_s,
                'postcopy_requests': int(self.postcopy_requests),
                'mode': self.mode, 'elapsed_s': self.elapsed,
                'bytes_moved': _bytes(self.memory_processed +
                                      self.disk_processed)}

    def telemetry(self):
        span = self._win[0]
        mem_rate = self._win[1] / span if span > 0 else 0.0
        dirty_rate = self._win[2] / span if span > 0 else 0.0
        disk_rate = self._win[3] / span if span > 0 else 0.0
        remaining = 0.0 if self._phase == COMPLETED else (
            self.reported_memory_remaining_mb)
        return Telemetry(
            mode=self.mode,
            time_elapsed_ms=int(round(self.elapsed * 1000)),
            memory_total=_bytes(self.ram_mb),
            memory_processed=_bytes(self.memory_processed),
            memory_remaining=_bytes(remaining),
            memory_constant=int(self._constant_mb * PAGES_PER_MIB),
            memory_normal=int(self.memory_processed * PAGES_PER_MIB),
            memory_normal_bytes=_bytes(self.memory_processed),
            memory_bps=_bytes(mem_rate),
            memory_dirty_rate=int(dirty_rate * PAGES_PER_MIB),
            memory_iteration=self.iteration + self._extra_syncs,
            memory_postcopy_requests=int(self.postcopy_requests),
            disk_total=_bytes(self.disk_total),
            disk_processed=_bytes(self.disk_processed),
            disk_remaining=_bytes(self.disk_remaining),
            disk_bps=_bytes(disk_rate),
            auto_converge_throttle=self.throttle,
            downtime_ms=int(round(self.downtime_ms or 0)))
