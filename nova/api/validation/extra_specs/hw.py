"""Validators for the keys of the ``hw`` namespace this service reads.

The namespace is not strict: the many other ``hw:`` keys Nova knows are
accepted unchecked.
"""

from nova.api.validation.extra_specs import base
from nova.virt import hardware

VALIDATORS = (
    base.Validator(
        name='pmem',
        description=(
            'Virtual persistent memory namespaces for the instance, by '
            'label, for example 4GB,LARGE. Instances with vPMEM never '
            'live-migrate in post-copy mode.'),
        pattern=hardware.PMEM_LABELS_PATTERN,
        pattern_help=hardware.PMEM_RULE),
    base.Validator(
        name='numa_nodes',
        description=(
            'Number of guest NUMA nodes; vCPUs and memory are split evenly '
            'across them. Moves claim the same topology on the '
            'destination and keep it in the migration context.'),
        type=base.INTEGER, min=1),
)

FLAVOR_NAMESPACE = base.Namespace('hw', ':', VALIDATORS, strict=False)
