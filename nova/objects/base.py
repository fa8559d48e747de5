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


class NovaObject(ovo_base.VersionedObject):
    OBJ_SERIAL_NAMESPACE = 'nova_object'
    OBJ_PROJECT_NAMESPACE = 'nova'
