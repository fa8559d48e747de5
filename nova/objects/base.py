"""Base classes for Nova's versioned objects."""

from oslo_utils import versionutils
from oslo_versionedobjects import base as ovo_base

import nova.objects


class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
    """Registry that exposes each registered class as nova.objects.<Name>."""

    def registration_hook(self, cls, index):
        # Keep the newest version of each object name on the package.
        version = versionutils.convert_version_to_tuple(cls.VERSION)
        current = getattr(nova.objects, cls.obj_name(), None)
        if current is None or version >= (
                versionutils.convert_version_to_tuple(
                    current.VERSION)):
            setattr(nova.objects, cls.obj_name(), cls)


#: Methods that read or write the database.  On a compute service they run
#: on the conductor (``NovaObject.indirection_api``); elsewhere directly.
remotable = ovo_base.remotable
remotable_classmethod = ovo_base.remotable_classmethod


class NovaObject(ovo_base.VersionedObject):
    OBJ_SERIAL_NAMESPACE = 'nova_object'
    OBJ_PROJECT_NAMESPACE = 'nova'


class FlatPersistence(object):
    """create/save/_from_db for an object stored as one row of its fields.

    The class names its database functions in ``_db_create(ctxt, values)``
    and ``_db_update(ctxt, id, values)``; ``id`` is the generated key.
    """

    _db_create = None
    _db_update = None

    @classmethod
    def _from_db(cls, ctxt, row):
        obj = cls(context=ctxt)
        for name in cls.fields:
            setattr(obj, name, row.get(name))
        obj.obj_reset_changes()
        return obj

    @remotable
    def create(self):
        values = {name: getattr(self, name) for name in self.fields
                  if name != 'id' and self.obj_attr_is_set(name)}
        row = type(self)._db_create(self._context, values)
        for name in self.fields:
            if name == 'id' or not self.obj_attr_is_set(name):
                setattr(self, name, row.get(name))
        self.obj_reset_changes()

    @remotable
    def save(self):
        changed = {name: getattr(self, name)
                   for name in self.obj_what_changed() if name != 'id'}
        if changed:
            type(self)._db_update(self._context, self.id, changed)
        self.obj_reset_changes()
