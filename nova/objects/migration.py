"""A move of an instance between hosts, persisted in ``migrations``."""

from nova.db import api as db
from nova.objects import base
from nova.objects import fields

_PROGRESS = ('memory_total', 'memory_processed', 'memory_remaining',
             'disk_total', 'disk_processed', 'disk_remaining')


@base.NovaObjectRegistry.register
class Migration(base.FlatPersistence, base.NovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Persistence (create, save, get_by_id, get_by_uuid,
    #              get_in_progress_by_host_and_node, get_by_instance)
    # Version 1.2: created_at, updated_at (set by the database); get_all
    # Version 1.3: Persistence methods are remotable (compute services
    #              reach them through the conductor)
    # Version 1.4: purpose (why a live migration was asked for)
    VERSION = '1.4'

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
        # None on records older than 1.4: read as MigrationPurpose.DEFAULT.
        'purpose': fields.MigrationPurposeField(nullable=True),
        # Set by the database; never written from here.
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    _TIMESTAMPS = ('created_at', 'updated_at')

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if target_version in ('1.0', '1.1'):
            for name in self._TIMESTAMPS:
                primitive.pop(name, None)
        if target_version in ('1.0', '1.1', '1.2', '1.3'):
            primitive.pop('purpose', None)

    @property
    def effective_purpose(self):
        """The purpose, the default one when none was recorded."""
        purpose = self.purpose if self.obj_attr_is_set('purpose') else None
        return purpose or fields.MigrationPurpose.DEFAULT

    @property
    def is_final(self):
        return self.status in fields.MigrationStatus.FINAL

    _db_create = staticmethod(db.migration_create)
    _db_update = staticmethod(db.migration_update)

    @base.remotable
    def refresh(self):
        fresh = self.get_by_id(self._context, self.id)
        for name in self.fields:
            setattr(self, name, getattr(fresh, name))
        self.obj_reset_changes()

    @base.remotable_classmethod
    def get_by_id(cls, ctxt, migration_id):
        return cls._from_db(ctxt, db.migration_get(ctxt, migration_id))

    @base.remotable_classmethod
    def get_by_uuid(cls, ctxt, uuid):
        return cls._from_db(ctxt, db.migration_get_by_uuid(ctxt, uuid))

    @base.remotable_classmethod
    def get_in_progress_by_host_and_node(cls, ctxt, host, node):
        return [cls._from_db(ctxt, row) for row in
                db.migration_get_in_progress_by_host_and_node(
                    ctxt, host, node)]

    @base.remotable_classmethod
    def get_all(cls, ctxt):
        """Every migration, oldest first."""
        return [cls._from_db(ctxt, row) for row in
                db.migration_get_all(ctxt)]

    @base.remotable_classmethod
    def get_by_instance(cls, ctxt, instance_uuid):
        return [cls._from_db(ctxt, row) for row in
                db.migration_get_all_by_instance(ctxt, instance_uuid)]
