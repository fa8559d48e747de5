"""The oracle: the best outcome an offline search finds for each case.

It knows everything a policy does not -- the workload and its phases, the
link's drops and dips ahead -- and tries, on the simulator alone (no
driver: it sets libvirt's knobs directly), every strategy of a small
space that keeps within the guest's limits (its SLA tier as the case's
purpose narrows it: nova.virt.sla), keeping the best:

* pre-copy with a downtime target just under the guest's limit (80 % of
  the limit minus QEMU's switch-over cost), alone or, where the guest
  may be throttled, with auto-converge (initial / increment 20/10,
  40/20, 80/10, and the tier's throttle limit / 10 -- those starting
  above the limit left out);
* where the guest may be post-copied: post-copy after the first, second
  or third pass (with the same target, so pre-copy may finish first), or
  at a chosen moment: just after each drop ends, just after each burst of
  the workload ends -- never into a drop;
* where the guest may be paused: stop-and-copy, the guest paused after
  the first pass.

Best means completed within the guest's limits (see
``simenv.violations``), at the lowest cost: the migration's time plus
the time the guest lost (stopped, blocked on post-copy faults, throttled
share of its vCPUs).  A case where no strategy completes has no oracle
time.  Branch and bound: a candidate is cut off once it runs longer than
the best cost so far.

For a host drain (class H) the space is the number of migrations at once
(1, 2, 4 or all) and whether each guest that may be post-copied goes to
post-copy after its first or its second pass (the others: pre-copy at
their target, with auto-converge 20/10 where they may be throttled);
best is the most guests completed within their limits, then the shortest
drain.  Knowing the future, the oracle does not start a guest its plan
cannot complete: a first play finds them (a migration not done after
four times its one-pass bound and a minute is not going to be), the
second plays the drain without them.
"""

import dataclasses
import time

from nova.bench import simenv
from nova.sim import constants as c
from nova.sim import libvirt as sim_libvirt
from nova.sim import model

POLL_S = 0.5
AUTO_CONVERGE = ((20, 10), (40, 20), (80, 10))
MAX_WINDOWS = 8
BASE_FLAGS = (c.VIR_MIGRATE_LIVE | c.VIR_MIGRATE_PEER2PEER |
              c.VIR_MIGRATE_PERSIST_DEST | c.VIR_MIGRATE_UNDEFINE_SOURCE)


@dataclasses.dataclass(frozen=True)
class Strategy:
    name: str
    downtime_ms: int
    auto_converge: tuple = None
    #: Post-copy once this many passes are done (and the link is up).
    postcopy_after: int = None
    #: Post-copy at this time (once the first pass is done, link up).
    postcopy_at_s: float = None
    #: Pause the guest once this many passes are done.
    pause_after: int = None

    @property
    def postcopy(self):
        return self.postcopy_after is not None or (
            self.postcopy_at_s is not None)

    def flags(self, block):
        flags = BASE_FLAGS | (c.VIR_MIGRATE_NON_SHARED_INC if block else 0)
        if self.postcopy:
            flags |= c.VIR_MIGRATE_POSTCOPY
        elif self.auto_converge:
            flags |= c.VIR_MIGRATE_AUTO_CONVERGE
        return flags

    def params(self):
        if not self.auto_converge:
            return {}
        initial, increment = self.auto_converge
        return {c.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL: initial,
                c.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT: increment}

    def due(self, now, passes_done):
        """'postcopy', 'pause' or None for this moment."""
        if self.postcopy_after is not None and (
                passes_done >= self.postcopy_after):
            return 'postcopy'
        if self.postcopy_at_s is not None and passes_done >= 1 and (
                now >= self.postcopy_at_s):
            return 'postcopy'
        if self.pause_after is not None and passes_done >= self.pause_after:
            return 'pause'
        return None


def target_ms(limits):
    return max(100, int(0.8 * (limits.downtime_ms.value -
                               model.SWITCHOVER_COST_MS)))


def quiet_moments(case, guest, horizon):
    """Moments worth switching at: drops just over, bursts just ended."""
    link = simenv.link_profile(case)
    moments = [end + POLL_S for _start, end in
               link.drops_between(0.0, horizon)]
    moments += [at + POLL_S for at, changes in guest.phases
                if changes.get('wws_mb', 0) <= guest.workload['wws_mb']]
    return sorted(set(m for m in moments if m < horizon))[:MAX_WINDOWS]


def auto_converge_settings(cap):
    """(initial, increment) pairs that start within a throttle limit."""
    settings = [ac for ac in AUTO_CONVERGE if ac[0] <= cap]
    if 0 < cap < 99 and (cap, 10) not in settings:
        settings.append((cap, 10))
    return settings


def candidates(case, guest, horizon):
    limits = case.limits(guest)
    d = target_ms(limits)
    post_copy = limits.allows_post_copy(True)
    found = []
    if post_copy:
        found.append(Strategy('post-copy after pass 1', d, postcopy_after=1))
    found.append(Strategy('pre-copy at %d ms' % d, d))
    found += [Strategy('auto-converge %d/%d' % ac, d, auto_converge=ac)
              for ac in auto_converge_settings(limits.throttle_pct.value)]
    if post_copy:
        found += [Strategy('post-copy after pass %d' % k, d,
                           postcopy_after=k) for k in (2, 3)]
        found += [Strategy('post-copy at %.1f s' % t, d, postcopy_at_s=t)
                  for t in quiet_moments(case, guest, horizon)]
    if limits.pause.value:
        found.append(Strategy('pause after pass 1', d, pause_after=1))
    return found


class _Active(object):
    def __init__(self, guest, strategy, job, dom):
        self.guest = guest
        self.strategy = strategy
        self.job = job
        self.dom = dom
        self.acted = False

    def poll(self, world, now):
        if self.acted or self.job.ended or self.job.model.in_postcopy:
            return
        passes_done = self.job.model.iteration - 1
        action = self.strategy.due(now, passes_done)
        if action is None or world.network.link_bandwidth(
                world.src, world.dst) <= 0:
            return
        self.acted = True
        if action == 'postcopy':
            self.dom.migrateStartPostCopy()
        else:
            self.dom.suspend()


def simulate(case, plan, concurrency, horizon, give_up=None):
    """Migrate ``plan`` [(guest, strategy)] in order, ``concurrency`` at
    once, on the case's world; results per guest (as a policy run's).

    ``give_up(guest, seconds running)``: True to cancel a migration that
    will not complete (its result is then aborted).
    """
    world = simenv.World(case)
    ends = {}
    try:
        conn = sim_libvirt.open(simenv.SRC_URI)
        for guest in case.guests:
            dom = conn.defineXML(
                "<domain type='kvm'><name>%s</name><uuid>%s</uuid>"
                "<memory unit='MiB'>%d</memory><vcpu>%d</vcpu></domain>" % (
                    guest.name, simenv.guest_uuid(case, guest),
                    guest.ram_mb, guest.vcpus))
            dom.create()
        world.start_workloads()
        pending, running, started = list(plan), [], {}
        now = world.clock.now()
        while pending or running:
            now = world.clock.now()
            while pending and len(running) < concurrency:
                guest, strategy = pending.pop(0)
                uuid = simenv.guest_uuid(case, guest)
                job = world.network.start_migration(
                    world.src.get_domain(uuid), simenv.DST_URI,
                    strategy.params(), strategy.flags(guest.block))
                dom = conn.lookupByUUIDString(uuid)
                dom.migrateSetMaxDowntime(strategy.downtime_ms)
                running.append(_Active(guest, strategy, job, dom))
                started[guest.name] = now
            for active in running:
                active.poll(world, now)
                if give_up is not None and not active.job.ended and not (
                        active.job.model.in_postcopy) and give_up(
                            active.guest, now - started[active.guest.name]):
                    active.dom.abortJob()
            for active in [a for a in running
                           if a.job.ended or a.job.paused]:
                ends[active.guest.name] = now
                running.remove(active)
            if now > horizon:
                break
            world.clock.sleep(POLL_S)
        results = []
        for guest, _strategy in plan:
            result = world.result(guest)
            if guest.name not in ends:
                result['outcome'] = simenv.ABORTED  # cut off
            result.update(guest=guest.name,
                          end_s=round(ends.get(guest.name, now), 3))
            results.append(result)
        return results, now
    finally:
        world.close()


def _search_one(case):
    guest = case.guests[0]
    horizon = case.horizon_s()
    best = best_cost = fallback = None
    simulated = 0.0
    for strategy in candidates(case, guest, horizon):
        bound = horizon if best_cost is None else min(horizon, best_cost)
        (result,), spent = simulate(case, [(guest, strategy)], 1, bound)
        simulated += spent
        if result['outcome'] != simenv.COMPLETED:
            fallback = fallback or dict(result, strategy='none completed')
            continue
        score = simenv.cost(result, guest)
        if best_cost is None or score < best_cost:
            # What happened, not what was planned: a planned switch that
            # pre-copy beat is a pre-copy.
            name = strategy.name if result['switch'] or (
                strategy.auto_converge) else 'pre-copy at %d ms' % (
                strategy.downtime_ms)
            best = dict(result, strategy=name)
            best_cost = score
    return [best or fallback], simulated


def _drain_strategy(case, guest, after):
    limits = case.limits(guest)
    d = target_ms(limits)
    if limits.allows_post_copy(True):
        return Strategy('post-copy after pass %d' % after, d,
                        postcopy_after=after)
    if limits.throttle_pct.value:
        return Strategy('auto-converge 20/10', d,
                        auto_converge=(20, 10))
    return Strategy('pre-copy at %d ms' % d, d)


def _hopeless(case):
    """give_up(guest, seconds): past four one-pass bounds and a minute."""
    def give_up(guest, seconds):
        bound = guest.bytes_bound_mb() / case.bandwidth_mbps
        return seconds > 4 * bound + 60
    return give_up


def _search_drain(case):
    horizon = case.horizon_s()
    best = best_key = None
    simulated = 0.0
    count = len(case.guests)
    for concurrency in sorted({1, 2, 4, count}):
        for after in (1, 2):
            plan = [(g, _drain_strategy(case, g, after))
                    for g in case.guests]
            results, spent = simulate(case, plan, concurrency, horizon,
                                      give_up=_hopeless(case))
            simulated += spent
            done = {r['guest'] for r in results
                    if r['outcome'] == simenv.COMPLETED}
            if len(done) < len(plan):
                # Knowing which ones cannot complete, leave them out.
                kept = [(g, st) for g, st in plan if g.name in done]
                again, spent = simulate(case, kept, concurrency, horizon)
                simulated += spent
                by_name = {r['guest']: r for r in again}
                results = [by_name.get(r['guest'], dict(
                    r, outcome=simenv.ABORTED, end_s=0.0,
                    total_time_s=0.0)) for r in results]
            done = [r for r in results
                    if r['outcome'] == simenv.COMPLETED]
            drain = max(r['end_s'] for r in results)
            key = (-len(done), drain)
            if best_key is None or key < best_key:
                best_key = key
                label = '%d at once, post-copy after pass %d' % (
                    concurrency, after)
                best = [dict(r, strategy=label) for r in results]
    return best, simulated


def search(case):
    """{'results': [...], 'simulated_s', 'real_s'} of the oracle."""
    started = time.monotonic()
    if case.drain:
        results, simulated = _search_drain(case)
    else:
        results, simulated = _search_one(case)
    return {'results': results, 'simulated_s': simulated,
            'real_s': time.monotonic() - started}
