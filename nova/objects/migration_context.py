"""What a move claimed on the destination, kept with the instance.

Persisted as JSON in ``instance_extra.migration_context`` so that the
source host, the destination host and a later audit all see the same
claimed resources (NUMA topology and vPMEM namespaces).
"""

from oslo_serialization import jsonutils

from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class MigrationContext(base.NovaObject):

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'instance_uuid': fields.UUIDField(),
        'migration_id': fields.IntegerField(),
        'old_numa_topology': fields.ObjectField('InstanceNUMATopology',
                                                nullable=True),
        'new_numa_topology': fields.ObjectField('InstanceNUMATopology',
                                                nullable=True),
        'old_resources': fields.ObjectField('ResourceList', nullable=True),
        'new_resources': fields.ObjectField('ResourceList', nullable=True),
    }

    def to_json(self):
        return jsonutils.dumps(self.obj_to_primitive())

    @classmethod
    def from_json(cls, text):
        if not text:
            return None
        return cls.obj_from_primitive(jsonutils.loads(text))
