"""Links of the simulated network: what they carry over time, and who gets it.

A :class:`LinkProfile` says what one link between two hosts can carry at
any virtual time: its nominal bandwidth, scaled by jitter (a factor drawn
per ``jitter_period_s``) and by dips (stretches at a fraction of it),
nothing at all during drops (given, or drawn for a flaky link), plus the
traffic of others that competes for it.  Every random thing is drawn from
the profile's seed, lazily and in time order, so a profile answers the
same at the same time however often and from wherever it is asked.

:func:`fair_shares` splits the capacity among the flows that use it, max-
min fair: each migration gets an equal share of its tightest resource
(the link, either host's NIC), a flow that wants less (a bandwidth cap, a
quiet competitor) leaves the rest to the others.
"""

import bisect
import dataclasses
import math
import random

#: Round trip of a post-copy page request (seconds) unless a link says.
DEFAULT_RTT_MS = 0.5
INFINITE = float('inf')
_EPS = 1e-9


@dataclasses.dataclass(frozen=True)
class Dips:
    """Stretches at reduced bandwidth: every ``every_s`` seconds on
    average (exponential gaps), ``seconds`` long on average, losing
    ``depth`` (0..1) of the bandwidth.
    """

    every_s: float
    seconds: float
    depth: float


@dataclasses.dataclass(frozen=True)
class Flaky:
    """Drops that come and go: one every ``every_s`` seconds on average,
    each ``seconds`` long on average (both exponential), at most
    ``max_s`` long.
    """

    every_s: float
    seconds: float
    max_s: float = 60.0


@dataclasses.dataclass(frozen=True)
class Competing:
    """Other traffic on the link: it wants ``mbps`` MiB/s while on; on
    for ``on_s`` and off for ``off_s`` seconds on average (``0`` for
    either: always on).
    """

    mbps: float
    on_s: float = 0.0
    off_s: float = 0.0


class _Intervals(object):
    """Random stretches [start, end) drawn in time order from one rng."""

    def __init__(self, rng, gap_s, length_s, max_s=INFINITE, value=None):
        self._rng = rng
        self._gap = gap_s
        self._length = length_s
        self._max = max_s
        self._value = value
        self.starts = []
        self.items = []
        self._horizon = 0.0

    def _extend(self, until):
        while self._horizon <= until:
            start = self._horizon + self._rng.expovariate(1.0 / self._gap)
            length = min(self._max, self._rng.expovariate(
                1.0 / self._length))
            value = self._value(self._rng) if self._value else None
            self.starts.append(start)
            self.items.append((start, start + length, value))
            self._horizon = start + length

    def at(self, now):
        """The stretch covering ``now`` as (start, end, value), or None."""
        self._extend(now)
        index = bisect.bisect_right(self.starts, now) - 1
        if index >= 0 and now < self.items[index][1]:
            return self.items[index]
        return None

    def between(self, start, end):
        self._extend(end)
        return [item for item in self.items
                if item[0] < end and item[1] > start]


class LinkProfile(object):
    """What one link carries over time (MiB/s); see the module doc."""

    def __init__(self, bandwidth_mbps, rtt_ms=DEFAULT_RTT_MS, jitter=0.0,
                 jitter_period_s=1.0, dips=None, flaky=None, competing=None,
                 drops=(), setup_time_s=None, setup_jitter=0.0, seed=0):
        if not bandwidth_mbps > 0 or math.isinf(bandwidth_mbps):
            raise ValueError('bandwidth_mbps must be positive and finite, '
                             'not %r' % (bandwidth_mbps,))
        if not 0.0 <= jitter < 1.0:
            raise ValueError('jitter must be within [0, 1), not %r'
                             % (jitter,))
        if not jitter_period_s > 0:
            raise ValueError('jitter_period_s must be positive')
        if dips is not None and not 0.0 <= dips.depth <= 1.0:
            raise ValueError('dips.depth must be within [0, 1]')
        self.bandwidth = float(bandwidth_mbps)
        self.rtt_ms = float(rtt_ms)
        self.jitter = float(jitter)
        self.jitter_period = float(jitter_period_s)
        self.dips = dips
        self.flaky = flaky
        self.competing = competing
        self.setup_time_s = setup_time_s
        self.setup_jitter = float(setup_jitter)
        self.seed = seed
        self._drops = sorted((float(start), float(start) + float(length))
                             for start, length in drops)
        self._factors = []
        # One stream per random process: adding one leaves the others.
        self._jitter_rng = random.Random('%s/jitter' % seed)
        self._setup_rng = random.Random('%s/setup' % seed)
        self._dips = self._flaky = self._competing = None
        if dips is not None:
            self._dips = _Intervals(random.Random('%s/dips' % seed),
                                    dips.every_s, dips.seconds)
        if flaky is not None:
            self._flaky = _Intervals(random.Random('%s/flaky' % seed),
                                     flaky.every_s, flaky.seconds,
                                     flaky.max_s)
        if competing is not None and competing.on_s and competing.off_s:
            self._competing = _Intervals(
                random.Random('%s/competing' % seed), competing.off_s,
                competing.on_s)

    def add_drop(self, start, seconds):
        """Cut the link from ``start`` for ``seconds``."""
        bisect.insort(self._drops, (float(start), float(start + seconds)))

    def down(self, now):
        for start, end in self._drops:
            if start > now:
                break
            if now < end:
                return True
        return self._flaky is not None and self._flaky.at(now) is not None

    def drops_between(self, start, end):
        """[(start, end)] of every drop overlapping [start, end)."""
        spans = [(a, b) for a, b in self._drops if a < end and b > start]
        if self._flaky is not None:
            spans += [(a, b) for a, b, _v in self._flaky.between(start, end)]
        return sorted(spans)

    def _jitter_factor(self, now):
        if not self.jitter:
            return 1.0
        slot = int(now / self.jitter_period)
        while len(self._factors) <= slot:
            draw = max(-2.5, min(2.5, self._jitter_rng.gauss(0.0, 1.0)))
            self._factors.append(1.0 + self.jitter * draw)
        return self._factors[slot]

    def capacity(self, now):
        """MiB/s the link carries at ``now`` (0 while it is down)."""
        if self.down(now):
            return 0.0
        value = self.bandwidth * self._jitter_factor(now)
        if self._dips is not None and self._dips.at(now) is not None:
            value *= 1.0 - self.dips.depth
        return max(0.0, value)

    def competing_demand(self, now):
        """MiB/s other traffic wants on the link at ``now``."""
        comp = self.competing
        if comp is None or comp.mbps <= 0:
            return 0.0
        if self._competing is None:
            return comp.mbps
        # The drawn stretches are the ON periods; gaps are OFF.
        return comp.mbps if self._competing.at(now) is not None else 0.0

    def draw_setup_time(self, default):
        """Set-up time of the next migration over this link (seconds)."""
        base = default if self.setup_time_s is None else self.setup_time_s
        if not self.setup_jitter:
            return base
        spread = self._setup_rng.uniform(-1.0, 1.0) * self.setup_jitter
        return max(0.0, base * (1.0 + spread))


@dataclasses.dataclass
class Flow:
    """One user of the network: a migration or a link's other traffic.

    ``demand`` is what it would take (MiB/s; ``INFINITE`` for no cap),
    ``resources`` the keys of the capacities it crosses.
    """

    key: object
    demand: float
    resources: tuple


def fair_shares(flows, capacities):
    """Max-min fair rates: {key: (rate, level)}.

    ``level`` is what the flow would get if it wanted more: its rate when
    its resources bound it, else the equal share of its tightest
    resource (QEMU's final stop-and-copy ignores the migration's cap and
    takes that).
    """
    result = {}
    if len(flows) == 1:
        flow = flows[0]
        level = min((capacities[r] for r in flow.resources),
                    default=INFINITE)
        result[flow.key] = (min(flow.demand, level), level)
        return result
    left = dict(capacities)
    rate = {f.key: 0.0 for f in flows}
    active = [f for f in flows
              if f.demand > 0 and all(left[r] > _EPS for r in f.resources)]
    while active:
        users = {}
        for flow in active:
            for res in flow.resources:
                users[res] = users.get(res, 0) + 1
        step = min([left[r] / n for r, n in users.items()] +
                   [f.demand - rate[f.key] for f in active])
        for flow in active:
            rate[flow.key] += step
        for res, n in users.items():
            left[res] -= step * n
        active = [f for f in active
                  if f.demand - rate[f.key] > _EPS
                  and all(left[r] > _EPS for r in f.resources)]
    for flow in flows:
        shares = []
        for res in flow.resources:
            sharing = sum(1 for f in flows if res in f.resources)
            shares.append(capacities[res] / max(1, sharing))
        equal = min(shares, default=INFINITE)
        result[flow.key] = (rate[flow.key], max(rate[flow.key], equal))
    return result
