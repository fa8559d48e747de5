"""A move of an instance between hosts, persisted in ``migrations``."""

from nova.db import api as db
from nova.objects import base
from nova.objects import fields

_PROGRESS = ('memory_total', 'memory_processed', 'memory_remaining',
             'disk_total', 'disk_processed', 'disk_remaining')


@base.NovaObjectRegistry.register
class Migration(base.NovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Persistence (create, save, get_by_id, get_by_uuid,
    #              get_in_progress_by_host_and_node, get_by_instance)
    VERSION = '1.1'

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

    @classmethod
    def _from_db(cls, ctxt, row):
        migration = cls(context=ctxt)
        for name in cls.fields:
            setattr(migration, name, row.get(name))
        migration.obj_reset_changes()
        return migration

    def create(self):
        values = {name: getattr(self, name) for name in self.fields
                  if name != 'id' and self.obj_attr_is_set(name)}
        row = db.migration_create(self._context, values)
        self.id = row['id']
        for name in self.fields:
            if not self.obj_attr_is_set(name):
                setattr(self, name, row.get(name))
        self.obj_reset_changes()

    def save(self):
        changed = {name: getattr(self, name)
                   for name in self.obj_what_changed() if name != 'id'}
        if changed:
            db.migration_update(self._context, self.id, changed)
        self.obj_reset_changes()

    def refresh(self):
        fresh = self.get_by_id(self._context, self.id)
        for name in self.fields:
            setattr(self, name, getattr(fresh, name))
        self.obj_reset_changes()

    @classmethod
    def get_by_id(cls, ctxt, migration_id):
        return cls._from_db(ctxt, db.migration_get(ctxt, migration_id))

    @classmethod
    def get_by_uuid(cls, ctxt, uuid):
        return cls._from_db(ctxt, db.migration_get_by_uuid(ctxt, uuid))

    @classmethod
    def get_in_progress_by_host_and_node(cls, ctxt, host, node):
        return [cls._from_db(ctxt, row) for row in
                db.migration_get_in_progress_by_host_and_node(
                    ctxt, host, node)]

    @classmethod
    def get_by_instance(cls, ctxt, instance_uuid):
        return [cls._from_db(ctxt, row) for row in
                db.migration_get_all_by_instance(ctxt, instance_uuid)]
