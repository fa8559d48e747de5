"""Build the resource part of a Placement request from a RequestSpec."""

import collections

import os_resource_classes as orc

from nova.virt import hardware


# The vPMEM names live in nova.virt.hardware; kept here for callers that
# build Placement requests.
PMEM_RC_PREFIX = hardware.PMEM_RC_PREFIX
pmem_resource_class = hardware.pmem_resource_class


def resources_from_flavor(flavor):
    """{resource class: amount} the flavor consumes on one host."""
    resources = collections.OrderedDict()
    resources[orc.VCPU] = flavor.vcpus
    resources[orc.MEMORY_MB] = flavor.memory_mb
    if flavor.disk_gb:
        resources[orc.DISK_GB] = flavor.disk_gb
    for label in hardware.get_vpmem_labels(flavor):
        rc = pmem_resource_class(label)
        resources[rc] = resources.get(rc, 0) + 1
    return {rc: amount for rc, amount in resources.items() if amount}


def format_resources(resources):
    """'VCPU:2,MEMORY_MB:2048' -- Placement's query syntax, also for humans."""
    return ','.join('%s:%d' % (rc, amount)
                    for rc, amount in resources.items())


def format_traits(required=(), forbidden=()):
    """'A,!B' -- Placement's root_required syntax."""
    return ','.join(sorted(required) + ['!' + t for t in sorted(forbidden)])
