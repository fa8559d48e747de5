"""The SLA policy's estimates and decisions, fed with synthetic job stats.

Passes are played as QEMU reports them: each pass starts with its dirty
set and the remaining data falls at the link's rate; a sample every half
second, as the driver's loop takes them.
"""

import ddt

from nova import objects
from nova import test
from nova.virt.libvirt import convergence
from nova.virt.libvirt import job as jobinfo
from nova.virt.libvirt import migration
from nova.virt.libvirt import sla_policy as sp
from nova.virt import migration_policy

MIB = 1024 * 1024
GIB = 1024 * MIB
A = migration.Action
P = migration.Phase
R = 1000 * MIB            # the link: 1000 MiB/s
CONFIG = migration.MonitorConfig()


def _job(remaining, iteration, bps=R, dirty=0, throttle=0, processed=0,
         total=4 * GIB, type=jobinfo.JOB_UNBOUNDED):
    return jobinfo.JobInfo(
        type=type, data_total=total, data_remaining=int(remaining),
        data_processed=int(processed), memory_total=total,
        memory_remaining=int(remaining), memory_processed=int(processed),
        memory_iteration=iteration, memory_bps=int(bps),
        memory_dirty_rate=int(dirty) // 4096, memory_page_size=4096,
        auto_converge_throttle=throttle)


def _monitor(gib=4, start=0.0, **terms):
    terms = sp.Terms(**terms)
    return sp.SLAMonitor(start, CONFIG, terms.post_copy,
                         terms.auto_converge, gib, terms=terms)


class Passes(object):
    """Plays pre-copy passes of the given peaks at ``bw`` (bytes/s)."""

    def __init__(self, peaks, bw=R, dirty=0, throttle=None, dt=0.5):
        self.peaks = list(peaks)
        self.bw = bw
        self.dirty = dirty
        self.throttle = throttle or (lambda t: 0)
        self.dt = dt

    def samples(self, until=None):
        t, processed = 0.0, 0.0
        for index, peak in enumerate(self.peaks):
            remaining = peak
            while remaining > 0:
                if until is not None and t > until:
                    return
                yield t, _job(remaining, index + 1, self.bw, self.dirty,
                              self.throttle(t), processed)
                t += self.dt
                remaining -= self.bw * self.dt
                processed += self.bw * self.dt


def _drive(monitor, samples):
    """[(time, action, value)] of every decision, each recorded."""
    seen = []
    for now, info in samples:
        for decision in monitor.step(now, info):
            monitor.record(decision)
            seen.append((now, decision.action, decision.value))
    return seen


def _kinds(seen, exclude=(A.SET_DOWNTIME,)):
    return [a for _t, a, _v in seen if a not in exclude]


class TermsTestCase(test.NoDBTestCase):

    def _policy(self, specs, purpose=None):
        flavor = objects.Flavor(flavorid='f', name='f', vcpus=1,
                                memory_mb=512, extra_specs=specs)
        return migration_policy.resolve(flavor, None, purpose=purpose)

    def test_from_policy(self):
        terms = sp.Terms.from_policy(
            self._policy({'compute:live_migration_sla': 'cattle'}),
            True, True, can_recover=False)
        self.assertEqual(('cattle', 'maintenance', 2000, 30000, 99),
                         (terms.tier, terms.purpose, terms.downtime_ms,
                          terms.stop_ms, terms.throttle_cap))
        self.assertTrue(terms.post_copy and terms.auto_converge and
                        terms.pause and terms.eager)
        self.assertFalse(terms.can_recover)

    def test_explicit_auto_converge_keeps_the_tiers_cap_in_a_rebalance(self):
        policy = self._policy({'compute:live_migration_sla': 'panda',
                               'compute:live_migration_auto_converge':
                               'true'}, purpose='rebalance')
        terms = sp.Terms.from_policy(policy, False, True, False)
        self.assertEqual(30, terms.throttle_cap)
        self.assertTrue(terms.rules.gives_up_at_once)
        plain = sp.Terms.from_policy(self._policy(
            {'compute:live_migration_sla': 'panda'}, purpose='rebalance'),
            False, False, False)
        self.assertEqual(0, plain.throttle_cap)


@ddt.ddt
class DecisionsTestCase(test.NoDBTestCase):

    def test_easy_guest_keeps_the_ramp(self):
        mon = _monitor(post_copy=True, auto_converge=True)
        seen = _drive(mon, Passes([4 * GIB, 10 * MIB],
                                  dirty=2 * MIB).samples())
        self.assertEqual([(0.0, A.SET_DOWNTIME, 50)], seen)

    def test_downtime_raised_to_the_tiers_target_when_needed(self):
        # A 600 MiB working set at 300 MiB/s: the next pass needs ~200 ms,
        # more than the ramp's 50.
        mon = _monitor(tier='panda', downtime_ms=300, stop_ms=300,
                       throttle_cap=30, auto_converge=True)
        seen = _drive(mon, Passes([4 * GIB, 600 * MIB, 200 * MIB],
                                  dirty=300 * MIB).samples())
        downtimes = [v for _t, a, v in seen if a is A.SET_DOWNTIME]
        self.assertEqual([50, 225], downtimes)
        self.assertEqual([], _kinds(seen))

    @ddt.data(('cattle', 2000, 1755), ('pet', 1000, 50))
    @ddt.unpack
    def test_cattle_spends_its_allowance_from_the_start(self, tier, limit,
                                                        first):
        mon = _monitor(tier=tier, downtime_ms=limit)
        (decision,) = mon.step(0.0, _job(4 * GIB, 1))
        self.assertEqual((A.SET_DOWNTIME, first),
                         (decision.action, decision.value))

    def test_not_converging_pet_switches_to_post_copy_after_the_pass(self):
        mon = _monitor(post_copy=True, auto_converge=True, can_recover=True)
        seen = _drive(mon, Passes([4 * GIB, 2 * GIB, 2 * GIB],
                                  dirty=3 * GIB).samples())
        (switch,) = [t for t, a, _v in seen if a is A.START_POSTCOPY]
        # Pass 1 ends at ~4.1 s; a second look in pass 2 confirms.
        self.assertGreater(switch, 4.0)
        self.assertLess(switch, 5.1)
        self.assertEqual(P.POSTCOPY, mon.phase)
        self.assertEqual([A.START_POSTCOPY], _kinds(seen))

    def test_slow_convergence_prefers_post_copy_where_allowed(self):
        # Peaks shrink, slowly: pre-copy would need several passes more.
        for post_copy, expected in ((True, [A.START_POSTCOPY]), (False, [])):
            mon = _monitor(post_copy=post_copy, can_recover=True)
            seen = _drive(mon, Passes(
                [4 * GIB, 3 * GIB, 2600 * MIB, 2300 * MIB, 2000 * MIB],
                dirty=800 * MIB).samples())
            self.assertEqual(expected, _kinds(seen))

    def test_panda_that_cannot_converge_is_given_up(self):
        mon = _monitor(tier='panda', downtime_ms=300, stop_ms=300,
                       throttle_cap=30, auto_converge=True)
        seen = _drive(mon, Passes([4 * GIB] + [2 * GIB] * 4,
                                  dirty=3 * GIB).samples())
        self.assertEqual([A.ABORT], _kinds(seen))
        self.assertTrue(mon.aborted)
        # Once two more passes showed the plateau (from 4.1 s, 2.5 s
        # each), long before the 20 s a prediction alone must hold.
        (abort,) = [t for t, a, _v in seen if a is A.ABORT]
        self.assertLess(abort, 10)

    def test_rebalance_gives_up_once_the_miss_is_confirmed(self):
        mon = _monitor(purpose='rebalance', throttle_cap=0)
        seen = _drive(mon, Passes([4 * GIB] + [2 * GIB] * 4,
                                  dirty=3 * GIB).samples())
        (abort,) = [t for t, a, _v in seen if a is A.ABORT]
        self.assertLess(abort, 10)
        self.assertGreater(abort, 4.5)

    def test_a_burst_is_no_verdict(self):
        # Pass 2 starts in a burst (3 GiB/s), which ends 2 s later: the
        # dirty sets shrink again and nothing is given up.
        def dirty_rate(t):
            return 3 * GIB if t < 6 else 10 * MIB
        mon = _monitor(tier='panda', downtime_ms=300, stop_ms=300,
                       throttle_cap=30, auto_converge=True)
        seen = []
        for now, job in Passes([4 * GIB, 2 * GIB, 1200 * MIB, 300 * MIB,
                                10 * MIB]).samples():
            job = jobinfo.JobInfo(**dict(
                job.__dict__,
                memory_dirty_rate=int(dirty_rate(now)) // 4096))
            for decision in mon.step(now, job):
                mon.record(decision)
                seen.append(decision.action)
        self.assertNotIn(A.ABORT, seen)

    def test_rebalance_lets_a_converging_guest_finish(self):
        mon = _monitor(purpose='rebalance', throttle_cap=0)
        seen = _drive(mon, Passes([4 * GIB, 600 * MIB, 300 * MIB],
                                  dirty=300 * MIB).samples())
        self.assertEqual([], _kinds(seen))

    @ddt.data((3 * GIB, [A.PAUSE]), (30 * GIB, [A.ABORT]))
    @ddt.unpack
    def test_pause_only_when_the_stop_fits(self, working_set, expected):
        # Cattle without post-copy (a vPMEM guest, say): paused when the
        # copy fits 80 % of its 30 s stop, else given up.
        mon = _monitor(tier='cattle', downtime_ms=2000, stop_ms=30000,
                       throttle_cap=99, pause=True, gib=32)
        peaks = [32 * GIB, working_set, working_set, working_set]
        seen = _drive(mon, Passes(peaks, dirty=3 * GIB).samples())
        self.assertEqual(expected, _kinds(seen))

    def test_throttle_guard_acts_before_the_limit_is_passed(self):
        # QEMU throttles 20 % at 5 s, 30 % at 7 s (the panda's limit).
        def throttle(t):
            return 0 if t < 5 else (20 if t < 7 else 30)
        mon = _monitor(tier='panda', downtime_ms=300, stop_ms=300,
                       throttle_cap=30, auto_converge=True)
        # Slow dirtying (the model would converge): only the guard acts.
        seen = _drive(mon, Passes([4 * GIB] + [3 * GIB] * 5,
                                  dirty=900 * MIB,
                                  throttle=throttle).samples())
        aborts = [t for t, a, _v in seen if a is A.ABORT]
        self.assertTrue(aborts)
        self.assertGreaterEqual(aborts[0], 7 + sp.CAP_GRACE_S)
        self.assertLess(aborts[0], 9)

    def test_no_post_copy_while_the_link_moves_nothing(self):
        mon = _monitor(post_copy=True, can_recover=True)
        samples = list(Passes([4 * GIB, 2 * GIB],
                              dirty=3 * GIB).samples(until=4.3))
        _drive(mon, samples)
        t, last = samples[-1]
        # The link stops: nothing processed, no rate.
        stalled = [(t + 0.5 * i, _job(last.data_remaining, 2, bps=0,
                                      dirty=3 * GIB,
                                      processed=last.data_processed))
                   for i in range(1, 8)]
        seen = _drive(mon, stalled)
        self.assertNotIn(A.START_POSTCOPY, _kinds(seen))
        self.assertEqual(P.PRECOPY, mon.phase)

    def test_careful_tier_waits_for_a_calm_link(self):
        mon = _monitor(post_copy=True, can_recover=True)
        mon.estimate.drops = 1
        mon.estimate.last_drop_end = 3.0
        seen = _drive(mon, Passes([4 * GIB, 2 * GIB, 2 * GIB, 2 * GIB],
                                  dirty=3 * GIB).samples())
        (switch,) = [t for t, a, _v in seen if a is A.START_POSTCOPY]
        self.assertGreaterEqual(switch, 3.0 + convergence.CALM_S)

    def test_careful_wait_is_bounded(self):
        # A link that never calms down: post-copy all the same, at most
        # CAREFUL_MAX_S after the wait began.
        mon = _monitor(post_copy=True, can_recover=True)
        mon.estimate.drops = 1
        mon.estimate.last_drop_end = 10 ** 9
        seen = _drive(mon, Passes([4 * GIB] + [2 * GIB] * 8,
                                  dirty=3 * GIB).samples())
        (switch,) = [t for t, a, _v in seen if a is A.START_POSTCOPY]
        self.assertGreaterEqual(switch, 4.5 + sp.CAREFUL_MAX_S)
        self.assertLessEqual(switch, 5.5 + sp.CAREFUL_MAX_S)

    def test_evacuation_moves_a_busy_guest_to_post_copy_in_pass_one(self):
        mon = _monitor(purpose='evacuate-host', post_copy=True,
                       can_recover=True)
        seen = _drive(mon, Passes([8 * GIB, 4 * GIB],
                                  dirty=700 * MIB).samples())
        (switch,) = [t for t, a, _v in seen if a is A.START_POSTCOPY]
        self.assertEqual(0.5 * sp.EARLY_SAMPLES - 0.5, switch)
        quiet = _monitor(purpose='evacuate-host', post_copy=True)
        seen = _drive(quiet, Passes([8 * GIB, 10 * MIB],
                                    dirty=100 * MIB).samples())
        self.assertEqual([], _kinds(seen))

    @ddt.data(
        # (purpose, timeout action, post-copy, pause, expected)
        ('maintenance', 'abort', True, False, A.ABORT),
        ('maintenance', 'force_complete', True, False, A.START_POSTCOPY),
        ('evacuate-host', 'abort', True, False, A.START_POSTCOPY),
        ('evacuate-host', 'abort', False, True, A.PAUSE),
        ('evacuate-host', 'abort', False, False, A.ABORT),
    )
    @ddt.unpack
    def test_completion_timeout(self, purpose, action, post_copy, pause,
                                expected):
        config = migration.MonitorConfig(completion_timeout=1,
                                         timeout_action=action)
        terms = sp.Terms(purpose=purpose, post_copy=post_copy, pause=pause)
        mon = sp.SLAMonitor(0.0, config, post_copy, False, 2, terms=terms)
        mon.step(0.0, _job(GIB, 1))
        decisions = mon.step(2.5, _job(GIB, 1, processed=MIB))
        self.assertIn(expected, [d.action for d in decisions])

    def test_operator_force_is_obeyed(self):
        mon = _monitor(tier='panda', downtime_ms=300)
        decisions = mon.step(1.0, _job(GIB, 1), force_requested=True)
        self.assertIn(A.PAUSE, [d.action for d in decisions])


class RecoveryTestCase(test.NoDBTestCase):

    def _in_postcopy(self, **terms):
        mon = _monitor(post_copy=True, **terms)
        mon.record(migration.Decision(A.START_POSTCOPY))
        return mon

    def test_resumed_and_retried(self):
        mon = self._in_postcopy(can_recover=True)
        failed = _job(0, 3, type=jobinfo.JOB_FAILED)
        (first,) = mon.step(100.0, failed, postcopy_failed=True)
        self.assertEqual(A.RECOVER_POSTCOPY, first.action)
        mon.record(first)
        self.assertTrue(mon.awaiting_recovery)
        self.assertEqual([], mon.step(100.5, failed, postcopy_failed=True))
        (again,) = mon.step(100.0 + sp.RECOVER_RETRY_S, failed,
                            postcopy_failed=True)
        mon.record(again)
        self.assertEqual(2, mon.recoveries)
        # Running again: no longer waiting.
        self.assertEqual([], mon.step(103.0, _job(GIB, 3)))
        self.assertFalse(mon.awaiting_recovery)
        self.assertEqual(P.POSTCOPY, mon.phase)

    def test_never_where_the_hosts_cannot(self):
        mon = self._in_postcopy(can_recover=False)
        self.assertEqual([], mon.step(
            1.0, _job(0, 3, type=jobinfo.JOB_FAILED), postcopy_failed=True))
        self.assertFalse(mon.awaiting_recovery)

    def test_gives_up_after_its_patience(self):
        mon = self._in_postcopy(can_recover=True)
        failed = _job(0, 3, type=jobinfo.JOB_FAILED)
        mon.record(mon.step(0.0, failed, postcopy_failed=True)[0])
        self.assertEqual([], mon.step(sp.RECOVER_PATIENCE_S + 1, failed,
                                      postcopy_failed=True))
        self.assertFalse(mon.awaiting_recovery)
