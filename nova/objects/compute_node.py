import os_resource_classes as orc

from nova.db import api as db
from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class ComputeNode(base.FlatPersistence, base.NovaObject):
    """A hypervisor; its uuid is also its Placement root provider's."""

    # Version 1.0: Initial version
    # Version 1.1: Persistence (create, save, get_by_host_and_nodename,
    #              get_all)
    # Version 1.2: Persistence methods are remotable
    VERSION = '1.2'

    fields = {
        'id': fields.IntegerField(nullable=True),
        'uuid': fields.UUIDField(),
        'host': fields.StringField(),
        'hypervisor_hostname': fields.StringField(),
        'vcpus': fields.NonNegativeIntegerField(),
        'memory_mb': fields.NonNegativeIntegerField(),
        'local_gb': fields.NonNegativeIntegerField(),
        'cpu_allocation_ratio': fields.FloatField(default=4.0),
        'ram_allocation_ratio': fields.FloatField(default=1.0),
        'disk_allocation_ratio': fields.FloatField(default=1.0),
        'reserved_host_memory_mb': fields.NonNegativeIntegerField(default=0),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ('cpu_allocation_ratio', 'ram_allocation_ratio',
                     'disk_allocation_ratio', 'reserved_host_memory_mb'):
            if not self.obj_attr_is_set(name):
                self.obj_set_defaults(name)

    def placement_inventory(self):
        """The inventory this node reports to Placement."""
        return {
            orc.VCPU: {'total': self.vcpus, 'max_unit': self.vcpus,
                       'allocation_ratio': self.cpu_allocation_ratio},
            orc.MEMORY_MB: {'total': self.memory_mb,
                            'max_unit': self.memory_mb,
                            'reserved': self.reserved_host_memory_mb,
                            'allocation_ratio': self.ram_allocation_ratio},
            orc.DISK_GB: {'total': self.local_gb, 'max_unit': self.local_gb,
                          'allocation_ratio': self.disk_allocation_ratio},
        }

    # -- persistence -----------------------------------------------------

    _db_create = staticmethod(db.compute_node_create)
    _db_update = staticmethod(db.compute_node_update)

    @base.remotable_classmethod
    def get_by_host_and_nodename(cls, ctxt, host, nodename):
        return cls._from_db(ctxt, db.compute_node_get_by_host_and_nodename(
            ctxt, host, nodename))

    @base.remotable_classmethod
    def get_all(cls, ctxt):
        return [cls._from_db(ctxt, row)
                for row in db.compute_node_get_all(ctxt)]
