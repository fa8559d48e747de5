"""Field types and enums used by Nova's objects."""

from oslo_serialization import jsonutils
from oslo_versionedobjects import fields

from nova import exception
from nova import utils

# Re-export the oslo field types the objects use, so that object modules
# import fields from one place.
BooleanField = fields.BooleanField
DateTimeField = fields.DateTimeField
DictOfStringsField = fields.DictOfStringsField
Enum = fields.Enum
FloatField = fields.FloatField
IntegerField = fields.IntegerField
ListOfIntegersField = fields.ListOfIntegersField
ListOfObjectsField = fields.ListOfObjectsField
ListOfStringsField = fields.ListOfStringsField
NonNegativeIntegerField = fields.NonNegativeIntegerField
ObjectField = fields.ObjectField
SetOfIntegersField = fields.SetOfIntegersField
SetOfStringsField = fields.SetOfStringsField
StringField = fields.StringField
UUIDField = fields.UUIDField
BaseEnumField = fields.BaseEnumField


class StrictFlexibleBoolean(fields.FieldType):
    """A boolean that accepts the documented spellings and nothing else.

    oslo's FlexibleBoolean reads any unknown string as False, so a typo in
    an image property would silently disable a feature; this type refuses
    it instead (see :func:`nova.utils.parse_boolean`).
    """

    @staticmethod
    def coerce(obj, attr, value):
        return utils.parse_boolean(value)


class StrictFlexibleBooleanField(fields.AutoTypedField):
    AUTO_TYPE = StrictFlexibleBoolean()


class VMState(fields.Enum):
    ACTIVE = 'active'
    BUILDING = 'building'
    PAUSED = 'paused'
    STOPPED = 'stopped'
    ERROR = 'error'
    ALL = (ACTIVE, BUILDING, PAUSED, STOPPED, ERROR)

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class VMStateField(fields.BaseEnumField):
    AUTO_TYPE = VMState()


class TaskState(fields.Enum):
    MIGRATING = 'migrating'
    REBUILDING = 'rebuilding'
    DELETING = 'deleting'
    ALL = (MIGRATING, REBUILDING, DELETING)

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class TaskStateField(fields.BaseEnumField):
    AUTO_TYPE = TaskState()


class MigrationType(fields.Enum):
    LIVE_MIGRATION = 'live-migration'
    EVACUATION = 'evacuation'
    ALL = (LIVE_MIGRATION, EVACUATION)

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class MigrationTypeField(fields.BaseEnumField):
    AUTO_TYPE = MigrationType()


class MigrationPurpose(fields.Enum):
    """Why a live migration was asked for: how much finishing matters.

    ``evacuate-host``: the host must be emptied (it may be failing): the
    move must finish in finite time.  ``maintenance`` (the default): it
    should finish.  ``rebalance``: it may give up rather than disturb the
    guest.
    """

    EVACUATE_HOST = 'evacuate-host'
    MAINTENANCE = 'maintenance'
    REBALANCE = 'rebalance'
    ALL = (EVACUATE_HOST, MAINTENANCE, REBALANCE)
    DEFAULT = MAINTENANCE

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class MigrationPurposeField(fields.BaseEnumField):
    AUTO_TYPE = MigrationPurpose()


def validate_migration_purpose(value, key='purpose'):
    """The purpose a request gives (``None``: the default), checked.

    The one check of a purpose wherever it comes from (the compute API,
    the REST API's ``OS-EXT-LM:purpose``, a scenario file, the
    conductor): anything but one of MigrationPurpose.ALL -- another
    word, another type, an empty string -- raises InvalidMigrationPurpose
    naming ``key``, the value and the allowed values.
    """
    if value is None:
        return MigrationPurpose.DEFAULT
    if not isinstance(value, str) or value not in MigrationPurpose.ALL:
        raise exception.InvalidMigrationPurpose(
            key=key, value=value,
            rule='the purpose is one of %s (leave it out for %s)' % (
                ', '.join(MigrationPurpose.ALL), MigrationPurpose.DEFAULT))
    return value


class SLATier(fields.Enum):
    """How much a live migration may disturb an instance (nova.virt.sla):
    ``cattle`` (expendable), ``pet`` (the default) or ``panda`` (high
    value).
    """

    CATTLE = 'cattle'
    PET = 'pet'
    PANDA = 'panda'
    ALL = (CATTLE, PET, PANDA)
    DEFAULT = PET

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class SLATierField(fields.BaseEnumField):
    AUTO_TYPE = SLATier()


class MigrationStatus(fields.Enum):
    """Where a migration stands; the last four are final."""

    QUEUED = 'queued'
    ACCEPTED = 'accepted'
    PREPARING = 'preparing'
    RUNNING = 'running'
    POST_COPY = 'post-copy'
    COMPLETED = 'completed'
    FAILED = 'failed'
    ERROR = 'error'
    CANCELLED = 'cancelled'
    ALL = (QUEUED, ACCEPTED, PREPARING, RUNNING, POST_COPY, COMPLETED,
           FAILED, ERROR, CANCELLED)
    FINAL = (COMPLETED, FAILED, ERROR, CANCELLED)

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class MigrationStatusField(fields.BaseEnumField):
    AUTO_TYPE = MigrationStatus()


class JSON(fields.FieldType):
    """Any value JSON can carry (dicts, lists, strings, numbers, bools,
    None), checked when set: a value that would not survive the wire is
    refused there, not in the middle of a message.
    """

    @staticmethod
    def coerce(obj, attr, value):
        try:
            return jsonutils.loads(jsonutils.dumps(value))
        except (TypeError, ValueError) as exc:
            raise ValueError('%s.%s must be JSON-serializable: %s' % (
                obj.obj_name(), attr, exc))


class JSONField(fields.AutoTypedField):
    AUTO_TYPE = JSON()
