"""oVirt's convergence schedules (VDSM + engine), from their rules.

Documented behaviour (research anchors, "oVirt"): the monitor samples the
migration every 10 s and fires at most one item of the schedule per
sample, each item keyed on QEMU's iteration count (``memory_iteration``);
the schedule starts with an initial downtime, set at the start.  "Minimal
downtime" and
"suspend workload if needed" run with auto-converge; "post-copy" with the
post-copy flag.  Compression ("suspend workload") is not simulated.
"""

from nova.bench.policies import base

SAMPLE_S = 10
#: (initial downtime ms, [(iteration, action, value)]) per schedule.
SCHEDULES = {
    'minimal-downtime': (100, [
        (2, 'downtime', 150), (3, 'downtime', 200), (4, 'downtime', 300),
        (5, 'downtime', 400), (7, 'downtime', 500), (8, 'abort', None)]),
    'suspend-workload': (100, [
        (2, 'downtime', 150), (3, 'downtime', 200), (4, 'downtime', 300),
        (5, 'downtime', 400), (7, 'downtime', 500), (8, 'downtime', 5000),
        (9, 'abort', None)]),
    'post-copy': (100, [
        (2, 'downtime', 150), (3, 'downtime', 200), (4, 'post-copy', None),
        (5, 'abort', None)]),
}


class OvirtSchedule(base.ReferenceMonitor):

    def __init__(self, start, config, flags_have_postcopy,
                 flags_have_auto_converge, data_gib, schedule, terms=None):
        super().__init__(start, config, flags_have_postcopy,
                         flags_have_auto_converge, data_gib, terms=terms)
        self.initial, self.items = SCHEDULES[schedule]
        self.fired = 0
        # The initial downtime is set as the migration starts; the
        # samples come every SAMPLE_S seconds after.
        self.next_sample = float(SAMPLE_S)

    def decide(self, elapsed, job):
        if self.downtime is None:
            yield self.set_downtime(self.initial, 'initial downtime')
        if elapsed < self.next_sample:
            return
        self.next_sample += SAMPLE_S
        if self.fired >= len(self.items):
            return
        iteration, action, value = self.items[self.fired]
        if job.memory_iteration < iteration:
            return
        self.fired += 1
        why = 'schedule: %s at iteration %d' % (action, iteration)
        if action == 'downtime':
            yield base.Decision(base.Action.SET_DOWNTIME, value, why)
        elif action == 'abort':
            yield base.Decision(base.Action.ABORT, reason=why)
        elif self.flags_have_postcopy:
            yield base.Decision(base.Action.START_POSTCOPY, reason=why)
