"""Host drains in the database (the ``host_drains`` table).

The conductor running a drain writes its report at every change, so that
any conductor -- another one behind the same topic, or the same one
restarted -- answers for it, and a drain whose conductor stopped is
reported ``interrupted`` rather than forgotten or ``running`` for ever.
The report is the HostDrain object's primitive (without the moves'
outcomes, which the sources keep) as JSON; the ``state`` column repeats
its state for the queries.
"""

from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import timeutils

from nova.db import api as db
from nova import exception
from nova import objects
from nova.objects import fields
from nova.objects import host_drain

LOG = logging.getLogger(__name__)
RESULT = host_drain.DrainResult
STATE = host_drain.DrainState
STATUS = fields.MigrationStatus
#: How a final migration status counts for a drain's entry.
RESULT_OF_STATUS = {STATUS.COMPLETED: RESULT.MOVED,
                    STATUS.FAILED: RESULT.FAILED,
                    STATUS.CANCELLED: RESULT.FAILED,
                    STATUS.ERROR: RESULT.ERROR}


def _values(drain, conductor):
    copy = drain.obj_clone()
    for entry in copy.entries:
        entry.outcome = None
    return {'conductor': conductor, 'state': drain.state,
            'report': jsonutils.dumps(copy.obj_to_primitive())}


def from_row(row):
    drain = objects.HostDrain.obj_from_primitive(jsonutils.loads(
        row['report']))
    drain.state = row['state']
    return drain


def load(ctxt, host):
    """(HostDrain or None, the row as read: None when there is none)."""
    row = db.host_drain_get(ctxt, host)
    return (None, None) if row is None else (from_row(row), row)


def start(ctxt, drain, conductor, row):
    """Record ``drain`` (just planned) as run by ``conductor``, in place
    of ``row`` (what load() read; None: none).  Returns False when another
    request wrote the host's row since.
    """
    expected = None if row is None else {'conductor': row['conductor'],
                                         'state': row['state']}
    return db.host_drain_start(ctxt, drain.host, _values(drain, conductor),
                               expected=expected)


def save(ctxt, drain, conductor):
    """Write the drain's current report; False if another conductor took
    the host over meanwhile.
    """
    return db.host_drain_update(ctxt, drain.host, conductor,
                                _values(drain, conductor))


def _settle_entry(ctxt, entry, reason):
    if entry.result == RESULT.QUEUED:
        entry.result = RESULT.REFUSED
        entry.error = reason
        return
    if entry.result != RESULT.MOVING or entry.migration_uuid is None:
        return
    # The move was asked for: its migration went on without the drain.
    try:
        migration = objects.Migration.get_by_uuid(ctxt,
                                                  entry.migration_uuid)
    except exception.MigrationNotFound:
        entry.result = RESULT.REFUSED
        entry.error = reason
        return
    if migration.is_final:
        entry.result = RESULT_OF_STATUS[migration.status]
        entry.dest = migration.dest_compute


def interrupt(ctxt, drain, reason):
    """Mark ``drain`` interrupted: entries never asked for are refused
    with ``reason``, moves asked for take their migration's final result
    (those still running stay ``moving``: see their migration).
    """
    for entry in drain.entries:
        _settle_entry(ctxt, entry, reason)
    drain.state = STATE.INTERRUPTED
    drain.finished_at = timeutils.utcnow()
    return drain


def interrupt_own(ctxt, conductor):
    """At a conductor's start: its drains still ``running`` belong to its
    previous life; mark them interrupted.  Returns their hosts.
    """
    hosts = []
    for row in db.host_drain_get_all_by_conductor(ctxt, conductor,
                                                  STATE.RUNNING):
        drain = interrupt(ctxt, from_row(row),
                          'the conductor %s restarted before its turn'
                          % conductor)
        if save(ctxt, drain, conductor):
            LOG.warning('The drain of %s was interrupted by the restart of '
                        'the conductor %s: %s', drain.host, conductor,
                        drain.progress())
            hosts.append(drain.host)
    return hosts
