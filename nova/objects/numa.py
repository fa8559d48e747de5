"""An instance's guest NUMA topology, as much as the flavor expresses."""

from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class InstanceNUMACell(base.NovaObject):

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.NonNegativeIntegerField(),
        'cpuset': fields.SetOfIntegersField(),
        'memory': fields.NonNegativeIntegerField(),
    }


@base.NovaObjectRegistry.register
class InstanceNUMATopology(base.NovaObject):

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'cells': fields.ListOfObjectsField('InstanceNUMACell'),
    }

    @property
    def memory_mb(self):
        return sum(cell.memory for cell in self.cells)
