"""The workload matrix: which guests move over which links.

Classes (facts in the research anchors, "Benchmark matrix"), with ``R``
the link's bandwidth:

A  easy: a small working set written at 1 % of R; many zero pages.
B  marginal: a working set of 0.3, 1 or 3 s of the link (at most half
   the RAM), rewritten at 2 R; half of the writes slow with the vCPUs.
C  throttle-able: half the RAM written at 1.3, 2 or 3 R by the vCPUs.
D  not throttle-able: as C, but only a fifth of the writes slow down when
   the vCPUs are throttled (devices, memory-bound code).
E  bursty: a quiet guest that writes half its RAM at 3 R for 10 s every
   60 s, the first burst during the first pass.
F  a network drop of 10, 20 or 40 s half-way through the first pass of a
   moderately busy guest.
F2 a flaky link: drops of 6 s on average (at most 45) every 40 s on
   average, and dips to half the bandwidth; a busy guest.
G  block migration: a 20 or 100 GiB local disk written at 5, 20 or 50
   MiB/s, a light memory workload.
H  host drain: 12 or 20 instances (2, 4 or 8 GiB, a mix of A to D) off
   one host over one link, each policy with its per-host limit.

R  rebalance: the B, C and D guests again (same workloads, links, sizes
   and seeds as the cases they copy), moved for the purpose
   ``rebalance`` (which may give up rather than disturb the guest).

Sizes 2, 8 and 32 GiB over ~1 GbE (117 MB/s) and ~10 GbE (1.17 GB/s)
(the quick run: 2 GiB over 10 GbE and 8 GiB over 1 GbE), plus one 128 GiB
guest of class C in the full run.  Every link has 5 % jitter per second,
a 0.5 ms round trip and 0.5 s (+/- 50 %) of set-up per migration.  Each
case has a seed of its own, from its name: the matrix is the same every
run.

Every guest has an SLA tier (nova.virt.sla), in a fixed rotation: guest
``i`` of class ``k`` (its position in CLASSES) is ``TIER_MIX[(i + k) %
3]``, guest ``i`` of a drain ``TIER_MIX[i % 3]`` -- so every class has
pets, cattle and pandas and the quick run too.  Every case has a purpose:
``evacuate-host`` for the drains (H), ``rebalance`` for R, ``maintenance``
otherwise.  A guest's limits -- its largest switch-over and guest-visible
stop, its highest throttle, whether it may be post-copied or paused --
are its tier's as the purpose narrows them (``Case.limits``): every
policy is judged against them, and the oracle keeps within them.
"""

import dataclasses
import random

from nova.objects import fields
from nova.sim import model
from nova.virt import sla

GBE1 = 117e6 / model.MiB
GBE10 = 1.17e9 / model.MiB
LINKS = {'1GbE': GBE1, '10GbE': GBE10}
SIZES_GIB = (2, 8, 32)
BIG_GIB = 128
VCPUS = {2: 2, 4: 2, 8: 4, 32: 8, 128: 16}
TIER_MIX = (sla.PET, sla.CATTLE, sla.PANDA)
PURPOSE = fields.MigrationPurpose
LINK_DEFAULTS = {'rtt_ms': 0.5, 'jitter': 0.05, 'jitter_period_s': 1.0,
                 'setup_time_s': 0.5, 'setup_jitter': 0.5}
#: Seconds per GiB any policy may run (upstream Nova's 800 s/GiB timeout
#: and then some): workload phases are drawn that far.
HORIZON_S_PER_GIB = 820
CLASSES = ('A', 'B', 'C', 'D', 'E', 'F', 'F2', 'G', 'H', 'R')
#: The classes R copies, and which cases of the full run (indices into
#: the size and link combinations; the quick run copies both of its own).
REBALANCED = ('B', 'C', 'D')
REBALANCED_FULL = (1, 2, 3)


@dataclasses.dataclass
class Guest:
    """One instance: its size, what it does, and its SLA tier."""

    name: str
    ram_gib: int
    workload: dict
    #: [(seconds after the start, {workload keys})]: changes over time.
    phases: list = dataclasses.field(default_factory=list)
    disk_gb: int = 0
    block: bool = False
    kind: str = ''
    tier: str = sla.DEFAULT_TIER

    @property
    def ram_mb(self):
        return self.ram_gib * 1024

    @property
    def vcpus(self):
        return VCPUS[self.ram_gib]

    def workload_at(self, changes=None):
        """The nova.sim Workload, with ``changes`` applied."""
        values = dict(self.workload, **(changes or {}))
        return model.Workload(ram_mb=self.ram_mb,
                              disk_gb=self.disk_gb if self.block else 0,
                              **values)

    def bytes_bound_mb(self):
        """What must cross the link at least: non-zero RAM and the disk."""
        zero = self.workload.get('zero_fraction', 0.0)
        disk = self.disk_gb * 1024 if self.block else 0
        return self.ram_mb * (1.0 - zero) + disk


@dataclasses.dataclass
class Case:
    name: str
    klass: str
    guests: list
    link_name: str
    bandwidth_mbps: float
    #: Extra nova.sim.links.LinkProfile arguments (drops, dips, flaky).
    link: dict = dataclasses.field(default_factory=dict)
    note: str = ''
    purpose: str = PURPOSE.MAINTENANCE
    #: The case whose seed this one shares (a variant of it), if any.
    seed_of: str = None

    @property
    def seed(self):
        return 'bench/%s' % (self.seed_of or self.name)

    def limits(self, guest):
        """The guest's nova.virt.sla.Limits in this case."""
        return sla.limits(guest.tier, self.purpose)

    @property
    def drain(self):
        return self.klass == 'H'

    def bound_s(self):
        """One pass of everything at the link's nominal bandwidth."""
        return sum(g.bytes_bound_mb() for g in self.guests) / (
            self.bandwidth_mbps)

    def link_kwargs(self):
        values = dict(LINK_DEFAULTS, **self.link)
        values.update(bandwidth_mbps=self.bandwidth_mbps, seed=self.seed)
        return values

    def horizon_s(self):
        return HORIZON_S_PER_GIB * sum(max(2, g.ram_gib) + (
            g.disk_gb if g.block else 0) for g in self.guests) + 600


def _cycle(values, index):
    return values[index % len(values)]


def _easy(gib, r):
    return {'wws_mb': min(256.0, gib * 1024 * 0.05),
            'dirty_rate_mbps': 0.01 * r, 'zero_fraction': 0.4}


def _marginal(gib, r, seconds):
    return {'wws_mb': min(seconds * r, gib * 1024 / 2.0),
            'dirty_rate_mbps': 2 * r, 'cpu_bound_fraction': 0.5,
            'zero_fraction': 0.2}


def _busy(gib, r, lam, phi):
    return {'wws_mb': gib * 1024 / 2.0, 'dirty_rate_mbps': lam * r,
            'cpu_bound_fraction': phi, 'zero_fraction': 0.1}


def _bursts(gib, r, offset, horizon):
    """Quiet, then half the RAM at 3 R for 10 s every 60 s."""
    high = {'wws_mb': gib * 1024 / 2.0, 'dirty_rate_mbps': 3 * r}
    low = {'wws_mb': 64.0, 'dirty_rate_mbps': 0.02 * r}
    phases, t = [], float(offset)
    while t < horizon:
        phases += [(t, high), (t + 10.0, low)]
        t += 60.0
    return low, phases


def _guest(kind, index, gib, r, horizon):
    """Guest number ``index`` of class ``kind``; returns a Guest."""
    phases, extra = [], {}
    if kind == 'A':
        workload = _easy(gib, r)
    elif kind == 'B':
        workload = _marginal(gib, r, _cycle((0.3, 1.0, 3.0), index))
    elif kind in ('C', 'D'):
        workload = _busy(gib, r, _cycle((1.3, 2.0, 3.0), index),
                         1.0 if kind == 'C' else 0.2)
    elif kind == 'E':
        # The first burst comes 40 % into the first pass (and 0, 15 or
        # 30 s later): every migration meets bursts.
        first_pass = gib * 1024 * 0.8 / r
        workload, phases = _bursts(
            gib, r, 0.4 * first_pass + _cycle((0, 15, 30), index), horizon)
        workload['zero_fraction'] = 0.2
    elif kind == 'F':
        workload = {'wws_mb': min(0.5 * r, gib * 1024 / 4.0),
                    'dirty_rate_mbps': 1.5 * r, 'zero_fraction': 0.2}
    elif kind == 'F2':
        workload = _busy(gib, r, 1.5, 0.5)
        workload['wws_mb'] = gib * 1024 / 4.0
    else:  # G
        workload = {'wws_mb': min(256.0, gib * 1024 / 8.0),
                    'dirty_rate_mbps': 0.2 * r, 'zero_fraction': 0.3,
                    'disk_write_rate_mbps': _cycle((5, 20, 50), index)}
        extra = {'disk_gb': _cycle((20, 100), index), 'block': True}
    return Guest('%s%d' % (kind.lower(), index), gib, workload, phases,
                 kind=kind, **extra)


def _single(kind, index, gib, link_name):
    r = LINKS[link_name]
    name = '%s-%dG-%s' % (kind, gib, link_name)
    horizon = HORIZON_S_PER_GIB * gib + 600
    guest = _guest(kind, index, gib, r, horizon)
    guest.tier = _cycle(TIER_MIX, index + CLASSES.index(kind))
    link, note = {}, ''
    if kind == 'F':
        seconds = _cycle((10, 20, 40), index)
        at = LINK_DEFAULTS['setup_time_s'] + 0.5 * guest.bytes_bound_mb() / r
        link['drops'] = [(round(at, 1), seconds)]
        note = '%d s drop at %.0f s' % (seconds, at)
    elif kind == 'F2':
        link['flaky'] = {'every_s': 40, 'seconds': 6, 'max_s': 45}
        link['dips'] = {'every_s': 60, 'seconds': 10, 'depth': 0.5}
    return Case(name, kind, [guest], link_name, r, link, note)


def _drain(count, link_name, quick):
    r = LINKS[link_name]
    name = 'H-%dx-%s' % (count, link_name)
    rng = random.Random('bench/%s/guests' % name)
    sizes = (2, 4) if quick else (2, 4, 8)
    guests = []
    for index in range(count):
        kind = rng.choices('ABCD', weights=(5, 2, 2, 1))[0]
        gib = rng.choice(sizes)
        guest = _guest(kind, index, gib, r, 0)
        guest.name = 'h%02d-%s' % (index, kind.lower())
        guest.tier = _cycle(TIER_MIX, index)
        guests.append(guest)
    mix = ''.join(g.kind for g in guests)
    return Case(name, 'H', guests, link_name, r,
                note='%d instances (%s)' % (count, mix),
                purpose=PURPOSE.EVACUATE_HOST)


def _rebalance(case):
    """Class R: ``case`` again, moved for the purpose rebalance."""
    return dataclasses.replace(
        case, name='R-' + case.name, klass='R',
        guests=[dataclasses.replace(g) for g in case.guests],
        purpose=PURPOSE.REBALANCE, seed_of=case.name,
        note=('rebalance of %s%s' % (case.name, ', ' + case.note
                                     if case.note else '')))


def build(quick=False, classes=CLASSES):
    """The cases of the quick or the full run, in a fixed order."""
    if quick:
        combos = [(2, '10GbE'), (8, '1GbE')]
    else:
        combos = [(gib, link) for gib in SIZES_GIB
                  for link in ('1GbE', '10GbE')]
    cases = []
    for kind in CLASSES:
        if kind not in classes:
            continue
        if kind == 'R':
            picks = range(len(combos)) if quick else REBALANCED_FULL
            cases += [_rebalance(_single(k, i, *combos[i]))
                      for k in REBALANCED for i in picks]
            continue
        if kind == 'H':
            drains = ([(12, '10GbE')] if quick else
                      [(12, '10GbE'), (20, '10GbE'), (12, '1GbE'),
                       (20, '1GbE')])
            cases += [_drain(count, link, quick) for count, link in drains]
            continue
        for index, (gib, link) in enumerate(combos):
            cases.append(_single(kind, index, gib, link))
        if kind == 'C' and not quick:
            cases.append(_single('C', 1, BIG_GIB, '10GbE'))
    return cases


def describe(guest):
    """A short text of what a guest does, for reports."""
    w = guest.workload
    text = '%s, %d GiB, WWS %.0f MiB at %.0f MiB/s' % (
        guest.tier, guest.ram_gib, w.get('wws_mb', 0),
        w.get('dirty_rate_mbps', 0))
    if w.get('cpu_bound_fraction', 1.0) < 1.0:
        text += ', phi %.1f' % w['cpu_bound_fraction']
    if guest.block:
        text += ', disk %d GiB at %s MiB/s' % (
            guest.disk_gb, w.get('disk_write_rate_mbps', 0))
    if guest.phases:
        text += ', bursts'
    return text
