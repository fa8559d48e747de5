"""Demo compute hosts seeded into an embedded Placement for ``plan``.

They stand for the hypervisors of a small cloud: one whose QEMU can do
both migration features, one that lacks auto-converge, one that lacks
post-copy (no userfaultfd) and one that can do neither.
"""

import uuid

import os_traits

from nova import objects

AC = os_traits.COMPUTE_MIGRATE_AUTO_CONVERGE
PC = os_traits.COMPUTE_MIGRATE_POST_COPY

# Fixed provider uuids, so that seeding twice reports the same hosts again.
DEMO_NAMESPACE = uuid.UUID('6f1c4a52-3b8e-4d3a-9a57-0e8b1c2d7f10')

DEMO_HOSTS = (
    ('demo-both', (AC, PC)),
    ('demo-post-copy', (PC,)),
    ('demo-auto-converge', (AC,)),
    ('demo-neither', ()),
)


def seed(report_client, vcpus=16, memory_mb=32768, local_gb=500):
    """Register the demo hosts; returns {host name: traits}."""
    objects.register_all()
    seeded = {}
    for name, traits in DEMO_HOSTS:
        node = objects.ComputeNode(
            uuid=str(uuid.uuid5(DEMO_NAMESPACE, name)), host=name,
            hypervisor_hostname=name, vcpus=vcpus, memory_mb=memory_mb,
            local_gb=local_gb)
        report_client.sync_compute_node(node, traits)
        seeded[name] = sorted(traits)
    return seeded
