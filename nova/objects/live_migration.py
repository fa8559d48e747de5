"""What services tell each other about one live migration.

Each of these crosses the wire between services (RPC arguments and
results, progress notifications), so each is a versioned object:

* LiveMigrateData -- what the destination tells the source;
* MigrationProgress -- one look at a running migration: its status and
  byte counts, the one small value the source sends while it runs;
* LiveMigrationOutcome -- how it ended, with the monitor's samples and
  decisions, for the caller that asked for it.
"""

from nova.objects import base
from nova.objects import fields

PROGRESS_FIELDS = ('memory_total', 'memory_processed', 'memory_remaining',
                   'disk_total', 'disk_processed', 'disk_remaining')


@base.NovaObjectRegistry.register
class LiveMigrateData(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'dest_host': fields.StringField(),
        'block_migration': fields.BooleanField(default=False),
        #: Size of each copied local disk (block migration), GiB.
        'copied_disk_gb': fields.ListOfIntegersField(default=[]),
        #: Device paths of the vPMEM namespaces claimed on the destination.
        'vpmem_paths': fields.ListOfStringsField(default=[]),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('block_migration', False)
        kwargs['copied_disk_gb'] = list(kwargs.get('copied_disk_gb') or ())
        kwargs['vpmem_paths'] = list(kwargs.get('vpmem_paths') or ())
        super().__init__(*args, **kwargs)


@base.NovaObjectRegistry.register
class MigrationProgress(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(
        {'migration_uuid': fields.UUIDField(),
         'status': fields.MigrationStatusField()},
        **{name: fields.NonNegativeIntegerField(nullable=True)
           for name in PROGRESS_FIELDS})

    @classmethod
    def of(cls, migration):
        """The progress a Migration (or a copy of it) carries."""
        progress = cls(migration_uuid=migration.uuid,
                       status=migration.status)
        for name in PROGRESS_FIELDS:
            setattr(progress, name, getattr(migration, name)
                    if migration.obj_attr_is_set(name) else None)
        return progress

    def apply_to(self, migration):
        """Set the status and the byte counts known on ``migration``."""
        migration.status = self.status
        for name in PROGRESS_FIELDS:
            value = getattr(self, name)
            if value is not None:
                setattr(migration, name, value)


@base.NovaObjectRegistry.register
class LiveMigrationOutcome(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'status': fields.MigrationStatusField(),
        'error': fields.StringField(nullable=True),
        #: Why the source settled it otherwise than the driver reported.
        'settlement': fields.StringField(nullable=True),
        'flags': fields.ListOfStringsField(),
        #: The resolved migration policy (nova.virt.migration_policy).
        'policy': fields.JSONField(),
        'total_time_s': fields.FloatField(),
        'downtime_ms': fields.IntegerField(),
        'bytes_moved': fields.IntegerField(),
        'iterations': fields.IntegerField(),
        'postcopy_started': fields.BooleanField(),
        'job_ended': fields.BooleanField(),
        #: The monitor's looks at the job: [{time_s, data_remaining, ...}].
        'samples': fields.JSONField(),
        #: The monitor's decisions: [{time_s, action, value, reason}].
        'actions': fields.JSONField(),
    }

    @classmethod
    def from_driver(cls, result):
        """The driver's result of a migration as a value for the wire."""
        return cls(
            status=result.status, error=result.error,
            settlement=result.settlement, flags=list(result.flags),
            policy=result.policy, total_time_s=float(result.total_time_s),
            downtime_ms=int(result.downtime_ms),
            bytes_moved=int(result.bytes_moved),
            iterations=int(result.iterations),
            postcopy_started=bool(result.postcopy_started),
            job_ended=bool(result.job_ended),
            samples=[_asdict(s) for s in result.samples],
            actions=[{'time_s': t, 'action': d.action.value,
                      'value': d.value, 'reason': d.reason}
                     for t, d in result.actions])

    @classmethod
    def not_started(cls, status, error):
        """The outcome of a migration whose job never started."""
        return cls(status=status, error=error, settlement=None, flags=[],
                   policy={}, total_time_s=0.0, downtime_ms=0,
                   bytes_moved=0, iterations=0, postcopy_started=False,
                   job_ended=True, samples=[], actions=[])


def _asdict(sample):
    return {name: getattr(sample, name)
            for name in sample.__dataclass_fields__}
