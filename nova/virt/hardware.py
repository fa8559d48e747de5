"""Read hardware requests out of a flavor's extra specs; name them.

The one place of the vPMEM vocabulary every service shares: the flavor
key, the Placement resource class of a namespace label and the trait of a
host able to live-migrate vPMEM guests.  The scheduler, the conductor,
the resource tracker and the libvirt driver all name them from here.
"""

import re

import os_resource_classes as orc

from nova import exception

#: Every vPMEM resource class starts with this.
PMEM_RC_PREFIX = 'CUSTOM_PMEM_NAMESPACE_'
#: A host whose hypervisor can live-migrate guests with vPMEM (libvirt
#: 5.0.0 / QEMU 3.1.0 and newer) reports this trait; both hosts of a vPMEM
#: instance's live migration must.
VPMEM_LIVE_MIGRATION_TRAIT = 'CUSTOM_COMPUTE_MIGRATE_VPMEM'
#: A host whose libvirt (8.5.0) and QEMU (3.0.0) can resume a post-copy
#: migration whose connection broke (VIR_MIGRATE_POSTCOPY_RESUME) reports
#: this trait; pets use post-copy only between two such hosts.
POSTCOPY_RESUME_TRAIT = 'CUSTOM_COMPUTE_MIGRATE_POSTCOPY_RESUME'


def pmem_resource_class(label):
    """CUSTOM_PMEM_NAMESPACE_<LABEL> for a vPMEM namespace label."""
    return orc.normalize_name('PMEM_NAMESPACE_' + label)


PMEM_KEY = 'hw:pmem'
PMEM_LABELS_PATTERN = r'[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*'
PMEM_RULE = ('a comma-separated list of vPMEM namespace labels, each made '
             'of letters, digits and underscores (for example 4GB,4GB,LARGE)')


def get_vpmem_labels(flavor):
    """Labels of the vPMEM namespaces the flavor asks for, in order.

    ``hw:pmem=4GB,4GB,LARGE`` asks for two namespaces labelled 4GB and one
    labelled LARGE.  Raises InvalidExtraSpec for a malformed value.
    """
    value = (flavor.extra_specs or {}).get(PMEM_KEY)
    if value is None:
        return []
    if not isinstance(value, str) or not re.fullmatch(PMEM_LABELS_PATTERN,
                                                      value):
        raise exception.InvalidExtraSpec(PMEM_KEY, value, PMEM_RULE)
    return value.split(',')


NUMA_NODES_KEY = 'hw:numa_nodes'


def numa_topology_from_flavor(flavor):
    """The guest NUMA topology ``hw:numa_nodes`` asks for, or None.

    vCPUs and memory are spread as evenly as they go; the first cells get
    the remainder.  Raises InvalidExtraSpec when the flavor has fewer vCPUs
    than nodes or a value that is not a positive integer.
    """
    from nova import objects

    value = (flavor.extra_specs or {}).get(NUMA_NODES_KEY)
    if value is None:
        return None
    try:
        nodes = int(value)
    except (TypeError, ValueError):
        nodes = 0
    if nodes < 1 or nodes > flavor.vcpus:
        raise exception.InvalidExtraSpec(
            NUMA_NODES_KEY, value,
            'a positive integer no larger than the flavor\'s %d vCPUs'
            % flavor.vcpus)
    cells, cpu = [], 0
    for node in range(nodes):
        ncpus = flavor.vcpus // nodes + (node < flavor.vcpus % nodes)
        memory = flavor.memory_mb // nodes + (
            node < flavor.memory_mb % nodes)
        cells.append(objects.InstanceNUMACell(
            id=node, cpuset=set(range(cpu, cpu + ncpus)), memory=memory))
        cpu += ncpus
    return objects.InstanceNUMATopology(cells=cells)
