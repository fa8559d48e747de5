"""A host drain as the conductor reports it: the host, the order, and
what happened to each of its instances.

The conductor keeps it (nova.conductor.tasks.drain), writes it to the
database at every change (nova.conductor.drain_records) and sends copies
over RPC to whoever follows the drain: the compute API's synchronous caller,
the REST API's ``GET /os-hypervisors/{host}/os-drain``.
"""

from oslo_utils import versionutils

from nova.objects import base
from nova.objects import fields


class DrainResult(fields.Enum):
    """Where one instance of a drain stands; the last five are final.

    ``queued``: its turn has not come.  ``moving``: its live migration was
    asked for (``migration_uuid`` names it).  ``moved``: it completed.
    ``refused``: nothing was changed (the instance was busy or not
    running, no host could take it, a pre-check or its policy said no).
    ``failed``: the migration started and was rolled back: the instance
    runs on the drained host as before.  ``error``: the migration ended
    in error: the instance needs an operator (see the migration).
    ``gone``: the instance was no longer on the host when its turn came
    (deleted or moved by someone else).
    """

    QUEUED = 'queued'
    MOVING = 'moving'
    MOVED = 'moved'
    REFUSED = 'refused'
    FAILED = 'failed'
    ERROR = 'error'
    GONE = 'gone'
    ALL = (QUEUED, MOVING, MOVED, REFUSED, FAILED, ERROR, GONE)
    FINAL = (MOVED, REFUSED, FAILED, ERROR, GONE)

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class DrainResultField(fields.BaseEnumField):
    AUTO_TYPE = DrainResult()


class DrainState(fields.Enum):
    """``running``, then ``drained`` (every instance moved or gone) or
    ``partial`` (some could not be moved: see their results), or
    ``interrupted``: the conductor running it stopped (its restart says
    so, or a new drain of the host took over from a conductor that is
    down); moves it had started went on and are in their entries, the
    rest were never asked for.
    """

    RUNNING = 'running'
    DRAINED = 'drained'
    PARTIAL = 'partial'
    INTERRUPTED = 'interrupted'
    ALL = (RUNNING, DRAINED, PARTIAL, INTERRUPTED)

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class DrainStateField(fields.BaseEnumField):
    AUTO_TYPE = DrainState()


@base.NovaObjectRegistry.register
class HostDrainEntry(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'instance_uuid': fields.UUIDField(),
        'name': fields.StringField(nullable=True),
        #: What the order was decided from.
        'memory_mb': fields.NonNegativeIntegerField(),
        'result': DrainResultField(),
        'migration_uuid': fields.UUIDField(nullable=True),
        'dest': fields.StringField(nullable=True),
        'error': fields.StringField(nullable=True),
        #: Seconds since the drain started (on the drain's clock).
        'started_s': fields.FloatField(nullable=True),
        'finished_s': fields.FloatField(nullable=True),
        #: How the source ended the migration (only in a report asked
        #: for with outcomes; None when it never started).
        'outcome': fields.ObjectField('LiveMigrationOutcome', nullable=True),
    }

    @property
    def is_final(self):
        return self.result in DrainResult.FINAL


@base.NovaObjectRegistry.register
class HostDrain(base.NovaObject):
    # Version 1.0: Initial version
    # Version 1.1: state 'interrupted'
    VERSION = '1.1'

    fields = {
        'host': fields.StringField(),
        'purpose': fields.MigrationPurposeField(),
        'state': DrainStateField(),
        #: The host's [DEFAULT] max_concurrent_live_migrations (0: none).
        'max_concurrent': fields.NonNegativeIntegerField(),
        #: How the instances were ordered (nova.conductor.tasks.drain).
        'order': fields.StringField(),
        'started_at': fields.DateTimeField(),
        'finished_at': fields.DateTimeField(nullable=True),
        #: Seconds from the start to the end of the last move (on the
        #: drain's clock: virtual seconds on the simulator).
        'elapsed_s': fields.FloatField(nullable=True),
        'entries': fields.ListOfObjectsField('HostDrainEntry'),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if (versionutils.convert_version_to_tuple(target_version) < (1, 1)
                and primitive.get('state') == DrainState.INTERRUPTED):
            # What 1.0 called a drain that ended with instances left.
            primitive['state'] = DrainState.PARTIAL

    def counts(self):
        """{result: how many instances}, every result present."""
        counts = dict.fromkeys(DrainResult.ALL, 0)
        for entry in self.entries:
            counts[entry.result] += 1
        return counts

    def progress(self):
        """'3 of 5 done, 2 moving' (for messages)."""
        counts = self.counts()
        done = sum(counts[r] for r in DrainResult.FINAL)
        return '%d of %d instances done, %d moving' % (
            done, len(self.entries), counts[DrainResult.MOVING])
