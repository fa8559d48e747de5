"""The reference policies decide as their documented rules say."""

import ddt
from oslotest import base

from nova.bench import policies
from nova.bench.policies import kubevirt
from nova.bench.policies import nova_upstream
from nova.bench.policies import ovirt
from nova.virt.libvirt import job as jobinfo
from nova.virt.libvirt import migration

GIB = 1024 ** 3
Action = migration.Action
CONFIG = migration.MonitorConfig()


def sample(remaining=4 * GIB, iteration=1, bps=100 * 1024 ** 2, total=None,
           finished=False):
    return jobinfo.JobInfo(
        type=jobinfo.JOB_COMPLETED if finished else jobinfo.JOB_UNBOUNDED,
        data_total=total or 8 * GIB, data_remaining=remaining,
        memory_remaining=remaining, memory_iteration=iteration,
        memory_bps=bps)


def drive(monitor, samples):
    """[(time, [actions])] applying (recording) every decision."""
    seen = []
    for now, info in samples:
        decisions = monitor.step(now, info)
        for decision in decisions:
            monitor.record(decision)
        seen.append((now, [(d.action, d.value) for d in decisions]))
    return seen


def actions(seen, kind):
    return [(t, v) for t, acts in seen for a, v in acts if a is kind]


@ddt.ddt
class NovaUpstreamTestCase(base.BaseTestCase):

    def test_linear_ramp(self):
        mon = nova_upstream.NovaUpstream(0, CONFIG, False, False, 4)
        self.assertEqual([50, 50, 95, 140, 500, 500],
                         [mon.target(t) for t in (0, 299, 300, 600, 3000,
                                                  99999)])

    def test_abort_after_800_s_per_gib(self):
        mon = nova_upstream.NovaUpstream(0, CONFIG, False, False, 2)
        seen = drive(mon, [(t, sample()) for t in (0, 1600, 1600.5)])
        self.assertEqual([(1600.5, None)], actions(seen, Action.ABORT))

    @ddt.data((True, Action.START_POSTCOPY), (False, Action.PAUSE))
    @ddt.unpack
    def test_force_complete(self, postcopy, expected):
        mon = nova_upstream.NovaUpstream(0, CONFIG, postcopy, False, 2,
                                         completion_s_per_gib=30,
                                         timeout_action='force_complete')
        seen = drive(mon, [(t, sample()) for t in (0, 60, 60.5, 61)])
        self.assertEqual([(60.5, None)], actions(seen, expected))
        # Once forced, nothing more: post-copy cannot be steered, a paused
        # guest is not paused twice.
        self.assertEqual([], seen[-1][1])

    def test_agrees_with_the_project_monitor_under_defaults(self):
        # Two implementations, one from upstream's documented rules, one
        # the project's: with the project's defaults they decide alike.
        ours = migration.Monitor(0, CONFIG, False, False, 8)
        ref = nova_upstream.NovaUpstream(0, CONFIG, False, False, 8)
        samples = [(t * 7.5, sample(remaining=(t % 5 + 1) * GIB,
                                    iteration=t // 3 + 1))
                   for t in range(0, 900)]
        self.assertEqual(drive(ours, samples), drive(ref, samples))


class OvirtTestCase(base.BaseTestCase):

    def test_one_item_per_sample_keyed_on_iterations(self):
        mon = ovirt.OvirtSchedule(0, CONFIG, False, True, 8,
                                  schedule='minimal-downtime')
        # The guest races through iterations; the schedule only moves
        # one item per 10 s sample.
        seen = drive(mon, [(t * 0.5, sample(iteration=2 + t))
                           for t in range(0, 200)])
        self.assertEqual([(0, 100), (10, 150), (20, 200), (30, 300),
                          (40, 400), (50, 500)],
                         actions(seen, Action.SET_DOWNTIME))
        self.assertEqual([(60, None)], actions(seen, Action.ABORT))

    def test_waits_for_the_iteration(self):
        mon = ovirt.OvirtSchedule(0, CONFIG, False, True, 8,
                                  schedule='minimal-downtime')
        seen = drive(mon, [(t * 0.5, sample(iteration=1))
                           for t in range(0, 400)])
        self.assertEqual([(0, 100)], actions(seen, Action.SET_DOWNTIME))

    def test_post_copy_schedule(self):
        mon = ovirt.OvirtSchedule(0, CONFIG, True, False, 8,
                                  schedule='post-copy')
        seen = drive(mon, [(t * 0.5, sample(iteration=9))
                           for t in range(0, 100)])
        self.assertEqual([(30, None)], actions(seen, Action.START_POSTCOPY))
        self.assertEqual([], actions(seen, Action.ABORT))

    def test_suspend_schedule_raises_to_5_s(self):
        mon = ovirt.OvirtSchedule(0, CONFIG, False, True, 8,
                                  schedule='suspend-workload')
        seen = drive(mon, [(t * 0.5, sample(iteration=12))
                           for t in range(0, 200)])
        self.assertEqual(5000, actions(seen, Action.SET_DOWNTIME)[-1][1])
        self.assertEqual([(70, None)], actions(seen, Action.ABORT))


class KubevirtLegacyTestCase(base.BaseTestCase):

    def test_progress_timeout_on_a_saw_tooth(self):
        # Each pass falls to 1 GiB and the next starts higher: no new low
        # after the first pass, so the legacy monitor aborts -- the false
        # positive upstream Nova removed its progress timeout for.
        mon = kubevirt.KubevirtLegacy(0, CONFIG, False, False, 8)
        samples = []
        for t in range(0, 400):
            phase = t % 20
            samples.append((t * 0.5, sample(
                remaining=(4 - 3 * phase / 19.0) * GIB,
                iteration=t // 20 + 1)))
        seen = drive(mon, samples)
        aborts = actions(seen, Action.ABORT)
        self.assertEqual(1, len(aborts))
        self.assertAlmostEqual(160, aborts[0][0], delta=10)

    def test_budget(self):
        mon = kubevirt.KubevirtLegacy(0, CONFIG, False, False, 2)
        seen = drive(mon, [(t, sample(remaining=(10000 - t) * 1024 ** 2))
                           for t in range(0, 400)])
        self.assertEqual([(301, None)], actions(seen, Action.ABORT))
        mon = kubevirt.KubevirtLegacy(0, CONFIG, True, False, 2,
                                      allow_disruption=True)
        seen = drive(mon, [(t, sample(remaining=(10000 - t) * 1024 ** 2))
                           for t in range(0, 400)])
        self.assertEqual([(301, None)],
                         actions(seen, Action.START_POSTCOPY))


class StallDetectorTestCase(base.BaseTestCase):

    def flat(self, mon, until, bps=100 * 1024 ** 2, remaining=2 * GIB,
             start=0):
        steps = int((until - start) * 2)
        return drive(mon, [(start + t * 0.5,
                            sample(remaining=remaining, bps=bps))
                           for t in range(0, steps)])

    def test_stall_then_post_copy(self):
        mon = kubevirt.KubevirtStallDetector(0, CONFIG, True, False, 8)
        seen = self.flat(mon, 120)
        self.assertEqual(300, actions(seen, Action.SET_DOWNTIME)[0][1])
        # Stalled once 40 s of history show no 4 % gain; at a local
        # minimum at once (the value is flat).
        self.assertEqual([(40.5, None)],
                         actions(seen, Action.START_POSTCOPY))

    def test_no_switch_during_a_drop(self):
        # The link drops at 30 s, before the stall shows at 40 s: the
        # bandwidth's average falls, the implied downtime soars, the guard
        # holds the switch until the link is back.
        mon = kubevirt.KubevirtStallDetector(0, CONFIG, True, False, 8)
        seen = self.flat(mon, 30)
        seen += self.flat(mon, 90, bps=0, start=30)
        self.assertEqual([], actions(seen, Action.START_POSTCOPY))
        seen = self.flat(mon, 110, start=90)
        self.assertEqual([(90.0, None)],
                         actions(seen, Action.START_POSTCOPY))

    def test_soft_switch_and_escalation(self):
        # No post-copy: 2 GiB at 100 MiB/s implies 20 s of downtime, far
        # above 1.5 x 900 ms: hard stop-and-copy (disruption allowed).
        mon = kubevirt.KubevirtStallDetector(0, CONFIG, False, False, 8)
        seen = self.flat(mon, 200)
        self.assertEqual([(40.5, kubevirt.HARD_DOWNTIME_MS)],
                         actions(seen, Action.SET_DOWNTIME)[1:])
        self.assertEqual([(101.0, None)], actions(seen, Action.ABORT))
        # A small remainder gets the soft switch, then the hard one.
        mon = kubevirt.KubevirtStallDetector(0, CONFIG, False, False, 8)
        seen = self.flat(mon, 200, remaining=100 * 1024 ** 2)
        self.assertEqual([(40.5, kubevirt.MAX_DOWNTIME_MS),
                          (101.0, kubevirt.HARD_DOWNTIME_MS)],
                         actions(seen, Action.SET_DOWNTIME)[1:])
        # Without disruption: abort instead of the hard switch.
        mon = kubevirt.KubevirtStallDetector(0, CONFIG, False, False, 8,
                                             allow_disruption=False)
        seen = self.flat(mon, 200)
        self.assertEqual([(40.5, None)], actions(seen, Action.ABORT))

    def test_aborts_at_twice_the_budget(self):
        mon = kubevirt.KubevirtStallDetector(0, CONFIG, True, False, 2)
        # Steady progress: never stalls.
        seen = drive(mon, [(t, sample(remaining=(100000 - t) * 1024 ** 2))
                           for t in range(0, 700)])
        self.assertEqual([(601, None)], actions(seen, Action.ABORT))


class RegistryTestCase(base.BaseTestCase):

    def test_names(self):
        names = policies.names()
        self.assertEqual('project', names[0])
        for name in ('nova-defaults', 'nova-tuned', 'nova-auto-converge',
                     'ovirt-minimal-downtime', 'ovirt-post-copy',
                     'ovirt-suspend-workload', 'kubevirt-legacy',
                     'kubevirt-stall-detector'):
            self.assertIn(name, names)
        self.assertNotIn('oracle', names)
        self.assertIsNone(policies.get('project').monitor)
        self.assertEqual(2, policies.get('ovirt-post-copy').max_concurrent)

    def test_project_variant(self):
        variant = policies.Policy(
            'project:post-copy', 'the project with post-copy permitted',
            'test', libvirt_opts=policies.PERMIT_POST_COPY)
        policies.register(variant)
        self.addCleanup(policies.unregister, 'project:post-copy')
        self.assertEqual(['project', 'project:post-copy'],
                         policies.names()[:2])
        self.assertIs(variant, policies.get('project:post-copy'))
        self.assertRaises(ValueError, policies.register, variant)
        self.assertRaises(ValueError, policies.register, policies.Policy(
            'project:', 't', 's'))
        self.assertRaises(ValueError, policies.register, policies.Policy(
            'oracle', 't', 's'))

    def test_unknown(self):
        exc = self.assertRaises(KeyError, policies.get, 'nova-default')
        self.assertIn('nova-defaults', str(exc))
