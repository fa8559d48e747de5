"""Upstream Nova's live-migration monitor (release 34.0.0), from its rules.

Documented behaviour (research anchors, "Upstream Nova"): the downtime
rises in ``steps`` linear steps -- step ``i`` (0 .. steps) at ``delay x
GiB x i`` seconds sets ``D/S + (D - D/S)/S x i`` ms -- and after
``completion x GiB`` seconds (0: never; not in post-copy) the migration is
aborted or forced to complete: post-copy when the migration was started
with it, else the guest is paused.  The size in GiB counts RAM (at least
2) and each block-migrated disk (at least 2 each) -- the ``data_gib`` the
driver passes.  No progress timeout (removed in Stein).
"""

from nova.bench.policies import base


class NovaUpstream(base.ReferenceMonitor):

    def __init__(self, start, config, flags_have_postcopy,
                 flags_have_auto_converge, data_gib, downtime_ms=500,
                 steps=10, delay_s_per_gib=75, completion_s_per_gib=800,
                 timeout_action='abort', terms=None):
        super().__init__(start, config, flags_have_postcopy,
                         flags_have_auto_converge, data_gib, terms=terms)
        self.max_downtime = downtime_ms
        self.steps = steps
        self.step_s = delay_s_per_gib * data_gib
        self.limit_s = completion_s_per_gib * data_gib or None
        self.timeout_action = timeout_action

    def target(self, elapsed):
        """The downtime the ramp gives at ``elapsed`` seconds."""
        d, s = float(self.max_downtime), self.steps
        i = min(s, int(elapsed // self.step_s))
        return int(round(d / s + (d - d / s) / s * i))

    def decide(self, elapsed, job):
        yield self.set_downtime(self.target(elapsed), 'downtime ramp')
        if self.limit_s is not None and elapsed > self.limit_s:
            why = ('completion timeout: %d s (%d s/GiB x %d GiB)' % (
                self.limit_s, self.limit_s // self.data_gib,
                self.data_gib))
            if self.timeout_action == 'abort':
                yield base.Decision(base.Action.ABORT, reason=why)
            else:
                yield self.force(why)
