"""Specific resources assigned to an instance (vPMEM namespaces)."""

from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class LibvirtVPMEMDevice(base.NovaObject):
    """One persistent-memory namespace on a host, as ndctl reports it."""

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'label': fields.StringField(),
        'name': fields.StringField(),
        'size': fields.NonNegativeIntegerField(),
        'devpath': fields.StringField(),
        'align': fields.NonNegativeIntegerField(),
    }


@base.NovaObjectRegistry.register
class Resource(base.NovaObject):
    """One unit of a resource class, identified on its provider."""

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'provider_uuid': fields.UUIDField(),
        'resource_class': fields.StringField(),
        'identifier': fields.StringField(),
        'metadata': fields.ObjectField('LibvirtVPMEMDevice', nullable=True),
    }

    @property
    def key(self):
        return (self.provider_uuid, self.resource_class, self.identifier)


@base.NovaObjectRegistry.register
class ResourceList(base.NovaObject):

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'objects': fields.ListOfObjectsField('Resource', default=[]),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.obj_attr_is_set('objects'):
            self.objects = []

    def __iter__(self):
        return iter(self.objects)

    def __len__(self):
        return len(self.objects)

    @property
    def vpmems(self):
        """The vPMEM devices, in the order they were assigned."""
        return [r.metadata for r in self.objects
                if isinstance(r.metadata, LibvirtVPMEMDevice)]
