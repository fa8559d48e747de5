"""Image metadata as the compute service sees it."""

from oslo_utils import versionutils

from nova import exception
from nova.objects import base
from nova.objects import fields

# Image properties are stored on the instance as system metadata keys with
# this prefix (image_<property>), as in Nova.
SYSTEM_METADATA_PREFIX = 'image_'


@base.NovaObjectRegistry.register
class ImageMetaProps(base.NovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Added compute_live_migration_auto_converge
    # Version 1.2: Added compute_live_migration_post_copy
    # Version 1.3: Added os_command_line
    # Version 1.4: Added compute_live_migration_sla
    VERSION = '1.4'

    fields = {
        'hw_machine_type': fields.StringField(),
        'hw_disk_bus': fields.StringField(),
        'compute_live_migration_auto_converge':
            fields.StrictFlexibleBooleanField(),
        'compute_live_migration_post_copy':
            fields.StrictFlexibleBooleanField(),
        # Appended to the kernel command line of a guest booted directly
        # from a kernel ([libvirt] guest_kernel).
        'os_command_line': fields.StringField(),
        # The instance's SLA tier (nova.virt.sla): cattle, pet or panda.
        'compute_live_migration_sla': fields.SLATierField(),
    }

    _ADDED_IN = {
        'compute_live_migration_auto_converge': (1, 1),
        'compute_live_migration_post_copy': (1, 2),
        'os_command_line': (1, 3),
        'compute_live_migration_sla': (1, 4),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        target = versionutils.convert_version_to_tuple(
            target_version)
        for name, added in self._ADDED_IN.items():
            if target < added:
                primitive.pop(name, None)

    @classmethod
    def from_dict(cls, props):
        """Build from a Glance-style property dict.

        Properties this object does not know are ignored, as Nova does;
        the API layer refuses unknown keys of namespaces it owns before
        getting here.  A known property with a bad value raises
        InvalidImageProperty naming the key, the value and the rule.
        """
        obj = cls()
        for key, value in (props or {}).items():
            if key not in cls.fields:
                continue
            try:
                setattr(obj, key, value)
            except ValueError as exc:
                raise exception.InvalidImageProperty(key, value, str(exc))
        return obj

    def get(self, name, default=None):
        if name not in self.fields:
            raise AttributeError(name)
        if not self.obj_attr_is_set(name):
            return default
        return getattr(self, name)

    def to_dict(self):
        return {name: getattr(self, name) for name in self.fields
                if self.obj_attr_is_set(name)}


@base.NovaObjectRegistry.register
class ImageMeta(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.UUIDField(nullable=True),
        'name': fields.StringField(nullable=True),
        'properties': fields.ObjectField('ImageMetaProps'),
    }

    @classmethod
    def from_dict(cls, image):
        image = dict(image or {})
        return cls(id=image.get('id'), name=image.get('name'),
                   properties=ImageMetaProps.from_dict(
                       image.get('properties')))

    @classmethod
    def from_instance(cls, instance):
        """Rebuild the image metadata kept in the instance's sysmeta."""
        sysmeta = instance.system_metadata or {}
        props = {key[len(SYSTEM_METADATA_PREFIX):]: value
                 for key, value in sysmeta.items()
                 if key.startswith(SYSTEM_METADATA_PREFIX)}
        return cls(id=instance.image_ref, name=None,
                   properties=ImageMetaProps.from_dict(props))

    def to_system_metadata(self):
        return {SYSTEM_METADATA_PREFIX + key: str(value)
                for key, value in self.properties.to_dict().items()}
