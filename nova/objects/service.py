"""A running service and its heartbeat, persisted in ``services``."""

from nova.db import api as db
from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class Service(base.FlatPersistence, base.NovaObject):
    # Version 1.0: Initial version
    # Version 1.1: uuid, disabled, disabled_reason (the operator's settings)
    VERSION = '1.1'

    fields = {
        'id': fields.IntegerField(nullable=True),
        'uuid': fields.UUIDField(nullable=True),
        'host': fields.StringField(),
        'binary': fields.StringField(),
        'topic': fields.StringField(nullable=True),
        'report_count': fields.NonNegativeIntegerField(default=0),
        'last_seen_up': fields.DateTimeField(nullable=True),
        'forced_down': fields.BooleanField(default=False),
        'disabled': fields.BooleanField(default=False),
        'disabled_reason': fields.StringField(nullable=True),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if target_version == '1.0':
            for name in ('uuid', 'disabled', 'disabled_reason'):
                primitive.pop(name, None)

    _db_create = staticmethod(db.service_create)
    _db_update = staticmethod(db.service_update)

    @base.remotable
    def heartbeat(self):
        """Record that the service is alive now (the database's clock);
        the operator's settings are read back with it.
        """
        row = db.service_heartbeat(self._context, self.id)
        for name in ('report_count', 'last_seen_up', 'updated_at',
                     'forced_down', 'disabled', 'disabled_reason'):
            setattr(self, name, row[name])
        self.obj_reset_changes()

    @base.remotable_classmethod
    def get_by_host_and_binary(cls, ctxt, host, binary):
        return cls._from_db(ctxt, db.service_get_by_host_and_binary(
            ctxt, host, binary))

    @base.remotable_classmethod
    def get_all(cls, ctxt, binary=None):
        return [cls._from_db(ctxt, row)
                for row in db.service_get_all(ctxt, binary)]

    @classmethod
    def get_by_uuid(cls, ctxt, uuid):
        """The service the API names ``uuid``, or None (read where the
        database is: the API and the conductor).
        """
        row = db.service_get_by_uuid(ctxt, uuid)
        return None if row is None else cls._from_db(ctxt, row)

    @classmethod
    def update_by_uuid(cls, ctxt, uuid, changes):
        """Apply an operator's ``changes`` with the row locked; returns
        the (old, new) Services, or (None, None) if there is none.
        """
        old, new = db.service_update_by_uuid(ctxt, uuid, changes)
        if old is None:
            return None, None
        return cls._from_db(ctxt, old), cls._from_db(ctxt, new)
