"""What every reference policy shares with the project's monitor.

A reference policy is called by the driver's loop exactly as
``nova.virt.libvirt.migration.Monitor`` is (``step``, ``record``,
``phase``, ``progress`` ...); it inherits that plumbing and replaces only
the decisions, made from the job statistics libvirt exposes and nothing
else.
"""

from nova.virt.libvirt import migration

Action = migration.Action
Decision = migration.Decision
Phase = migration.Phase
MIB = migration.MIB


class ReferenceMonitor(migration.Monitor):
    """Base of the reference policies: override :meth:`decide`.

    ``decide(elapsed, job)`` returns the decisions for one sample while
    the migration runs in pre-copy (post-copy cannot be steered or
    aborted; a finished or aborted job gets no more).
    """

    def step(self, now, job, force_requested=False, postcopy_failed=False):
        # A reference never resumes a broken post-copy (``terms`` are
        # ignored: the references know no SLA tiers).
        if postcopy_failed:
            return []
        if job.is_finished:
            self.phase = Phase.FINISHED
        if self.phase in (Phase.FINISHED, Phase.POSTCOPY) or self.aborted:
            return []
        decisions = []
        for decision in self.decide(now - self.start, job):
            if decision is not None and all(
                    d.action != decision.action for d in decisions):
                decisions.append(decision)
        return decisions

    def decide(self, elapsed, job):
        raise NotImplementedError()

    def set_downtime(self, value, why):
        """SET_DOWNTIME ``value`` unless it is already the target."""
        if value == self.downtime:
            return None
        return Decision(Action.SET_DOWNTIME, int(value), why)

    def force(self, why):
        """Post-copy when the flags allow it, else pause the guest."""
        if self.flags_have_postcopy:
            return Decision(Action.START_POSTCOPY, reason=why)
        if self.phase == Phase.PAUSED_PRECOPY:
            return None
        return Decision(Action.PAUSE, reason=why)
