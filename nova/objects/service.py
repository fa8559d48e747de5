"""A running service and its heartbeat, persisted in ``services``."""

from nova.db import api as db
from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class Service(base.FlatPersistence, base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(nullable=True),
        'host': fields.StringField(),
        'binary': fields.StringField(),
        'topic': fields.StringField(nullable=True),
        'report_count': fields.NonNegativeIntegerField(default=0),
        'last_seen_up': fields.DateTimeField(nullable=True),
        'forced_down': fields.BooleanField(default=False),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    _db_create = staticmethod(db.service_create)
    _db_update = staticmethod(db.service_update)

    @base.remotable
    def heartbeat(self):
        """Record that the service is alive now (the database's clock)."""
        row = db.service_heartbeat(self._context, self.id)
        self.report_count = row['report_count']
        self.last_seen_up = row['last_seen_up']
        self.updated_at = row['updated_at']
        self.obj_reset_changes()

    @base.remotable_classmethod
    def get_by_host_and_binary(cls, ctxt, host, binary):
        return cls._from_db(ctxt, db.service_get_by_host_and_binary(
            ctxt, host, binary))

    @base.remotable_classmethod
    def get_all(cls, ctxt, binary=None):
        return [cls._from_db(ctxt, row)
                for row in db.service_get_all(ctxt, binary)]
