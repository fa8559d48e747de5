"""How a live migration ended, decided from where the guest actually runs.

A failed migrate call, a monitor that broke, a host that died, a libvirt
that raced the end of a job: what libvirt *reported* is not proof of where
the guest is.  Before the compute service destroys a domain or moves an
allocation back, it looks at both hypervisors and lets :func:`settle`
decide.  The rule is to never destroy the only copy of a guest:

* the guest runs on the destination (and not on the source): the move
  happened -- complete it, whatever was reported;
* it runs (or sits paused in pre-copy) on the source and the destination
  has no running copy: roll back;
* it runs nowhere: it is lost -- roll the claims back, the instance goes to
  ERROR, nothing alive is destroyed;
* anything else (running on both, post-copy paused on both, a job that
  has not ended): hold -- nothing is destroyed or moved, the instance goes
  to ERROR with the reason, for the operator (or a recovery) to act.

Pure: states in, a :class:`Settlement` out.
"""

import dataclasses
import enum

from nova.compute import power_state
from nova.objects import fields

STATUS = fields.MigrationStatus
#: The host could not be asked (service down, hypervisor unreachable).
UNREACHABLE = 'unreachable'


class Verdict(enum.Enum):
    COMPLETE = 'complete'
    ROLLBACK = 'rollback'
    LOST = 'lost'
    HOLD = 'hold'


@dataclasses.dataclass(frozen=True)
class Settlement:
    verdict: Verdict
    #: The migration's final status.
    status: str
    reason: str


def _describe(state):
    if state is None:
        return 'no domain'
    return state


def settle(source, dest, reported, postcopy_started=False, job_ended=True):
    """Decide how a live migration ended.

    ``source`` / ``dest``: the guest's power state on each host
    (nova.compute.power_state), None for no domain there, or UNREACHABLE.
    ``reported``: the MigrationStatus the driver reported (None when the
    call raised).  ``postcopy_started``: the migration switched to
    post-copy (the guest's memory may be split between the hosts).
    ``job_ended``: the libvirt job is known to be over.
    """
    where = 'source: %s, destination: %s' % (_describe(source),
                                             _describe(dest))
    if not job_ended:
        return Settlement(Verdict.HOLD, STATUS.ERROR,
                          'the migration job did not end (%s)' % where)
    source_alive = source in power_state.ALIVE
    dest_alive = dest in power_state.ALIVE

    if dest == power_state.RUNNING:
        if source == power_state.RUNNING:
            return Settlement(Verdict.HOLD, STATUS.ERROR,
                              'the guest runs on both hosts (%s)' % where)
        if (source_alive and postcopy_started
                and reported != STATUS.COMPLETED):
            return Settlement(
                Verdict.HOLD, STATUS.ERROR,
                'post-copy did not complete and the source still holds '
                'part of the guest (%s)' % where)
        return Settlement(Verdict.COMPLETE, STATUS.COMPLETED,
                          'the guest runs on the destination (%s)' % where)

    if dest_alive:
        if source == power_state.RUNNING:
            return _rollback(reported, where)
        if source_alive:
            if postcopy_started:
                return Settlement(
                    Verdict.HOLD, STATUS.ERROR,
                    'post-copy is paused on both hosts (%s)' % where)
            return _rollback(reported, where)
        if reported == STATUS.COMPLETED:
            return Settlement(Verdict.COMPLETE, STATUS.COMPLETED,
                              'the guest moved and is paused on the '
                              'destination (%s)' % where)
        return Settlement(
            Verdict.HOLD, STATUS.ERROR,
            'only the destination holds the guest, paused, and the '
            'migration did not report completion (%s)' % where)

    # No live copy on the destination (or it cannot be asked).
    if source_alive:
        if postcopy_started and source != power_state.RUNNING:
            return Settlement(
                Verdict.HOLD, STATUS.ERROR,
                'post-copy broke: the source holds part of the guest, '
                'paused (%s)' % where)
        return _rollback(reported, where)
    if dest == UNREACHABLE and reported == STATUS.COMPLETED:
        return Settlement(Verdict.COMPLETE, STATUS.COMPLETED,
                          'the migration completed and the destination '
                          'cannot be reached now (%s)' % where)
    return Settlement(Verdict.LOST, STATUS.ERROR,
                      'the guest runs on neither host (%s)' % where)


def _rollback(reported, where):
    status = reported if reported in (STATUS.FAILED,
                                      STATUS.CANCELLED) else STATUS.FAILED
    return Settlement(Verdict.ROLLBACK, status,
                      'the guest is still on the source (%s)' % where)
