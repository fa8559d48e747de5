from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class Flavor(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'flavorid': fields.StringField(),
        'name': fields.StringField(),
        'vcpus': fields.NonNegativeIntegerField(),
        'memory_mb': fields.NonNegativeIntegerField(),
        'root_gb': fields.NonNegativeIntegerField(default=0),
        'ephemeral_gb': fields.NonNegativeIntegerField(default=0),
        'swap': fields.NonNegativeIntegerField(default=0),
        'extra_specs': fields.DictOfStringsField(default={}),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ('root_gb', 'ephemeral_gb', 'swap', 'extra_specs'):
            if not self.obj_attr_is_set(name):
                self.obj_set_defaults(name)

    @property
    def local_disks_gb(self):
        """The sizes in GiB of the local disks a block migration copies,
        one entry per disk: root, ephemeral, swap (MiB rounded up); disks
        of size 0 do not exist and are left out.
        """
        sizes = (self.root_gb, self.ephemeral_gb, -(-self.swap // 1024))
        return tuple(size for size in sizes if size)

    @property
    def disk_gb(self):
        """Local disk in GiB: root + ephemeral + swap (MiB rounded up)."""
        return self.root_gb + self.ephemeral_gb + -(-self.swap // 1024)
