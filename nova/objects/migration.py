from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class Migration(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(nullable=True),
        'uuid': fields.UUIDField(),
        'instance_uuid': fields.UUIDField(),
        'migration_type': fields.MigrationTypeField(),
        'status': fields.MigrationStatusField(),
        'source_compute': fields.StringField(nullable=True),
        'source_node': fields.StringField(nullable=True),
        'dest_compute': fields.StringField(nullable=True),
        'dest_node': fields.StringField(nullable=True),
        'memory_total': fields.NonNegativeIntegerField(nullable=True),
        'memory_processed': fields.NonNegativeIntegerField(nullable=True),
        'memory_remaining': fields.NonNegativeIntegerField(nullable=True),
        'disk_total': fields.NonNegativeIntegerField(nullable=True),
        'disk_processed': fields.NonNegativeIntegerField(nullable=True),
        'disk_remaining': fields.NonNegativeIntegerField(nullable=True),
    }

    @property
    def is_final(self):
        return self.status in fields.MigrationStatus.FINAL
