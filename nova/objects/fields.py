"""Field types and enums used by Nova's objects."""

from oslo_versionedobjects import fields

from nova import utils

# Re-export the oslo field types the objects use, so that object modules
# import fields from one place.
BooleanField = fields.BooleanField
DateTimeField = fields.DateTimeField
DictOfStringsField = fields.DictOfStringsField
Enum = fields.Enum
FloatField = fields.FloatField
IntegerField = fields.IntegerField
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
