"""Validators for the ``compute`` namespace (flavors and images alike)."""

from nova.api.validation.extra_specs import base
from nova.virt import sla

PREFIX = 'compute'

VALIDATORS = (
    base.Validator(
        name='live_migration_auto_converge',
        type=base.BOOLEAN,
        description=(
            'Whether live migrations of the instance use auto-converge '
            '(QEMU throttles the guest vCPUs when it dirties memory faster '
            'than it can be sent). true also restricts the instance to '
            'hosts reporting COMPUTE_MIGRATE_AUTO_CONVERGE; false disables '
            'it even where the host or the SLA tier would use it; unset '
            'follows the instance\'s SLA tier, or else the host\'s '
            '[libvirt] live_migration_permit_auto_converge when set, or '
            'else the host\'s default tier.')),
    base.Validator(
        name='live_migration_post_copy',
        type=base.BOOLEAN,
        description=(
            'Whether live migrations of the instance may switch to '
            'post-copy. true also restricts the instance to hosts '
            'reporting COMPUTE_MIGRATE_POST_COPY; false disables it even '
            'where the host or the SLA tier would use it; unset follows '
            'the instance\'s SLA tier, or else the host\'s [libvirt] '
            'live_migration_permit_post_copy when set, or else the host\'s '
            'default tier.')),
    base.Validator(
        name='live_migration_sla',
        enum=sla.TIER_NAMES,
        description=(
            'The SLA tier of the instance: how much a live migration may '
            'disturb it. cattle: a switch-over up to 2 s, stops up to 30 s '
            '(a pause to finish counts), throttling up to 99 %, post-copy '
            'even where a broken one cannot be recovered (requires '
            'COMPUTE_MIGRATE_POST_COPY on the host); pet: switch-over and '
            'stop up to 1 s, throttling up to 50 %, post-copy only where '
            'both hosts can resume a broken one, never paused; panda: '
            'switch-over and stop up to 300 ms, throttling up to 30 %, '
            'never post-copy or paused (requires '
            'COMPUTE_MIGRATE_AUTO_CONVERGE). Unset follows the host\'s '
            '[libvirt] live_migration_sla_default (pet by default). '
            'Explicit live_migration_auto_converge / post_copy values win; '
            'a tier that contradicts one is refused.')),
)

FLAVOR_NAMESPACE = base.Namespace(PREFIX, ':', VALIDATORS, strict=True)
IMAGE_NAMESPACE = base.Namespace(PREFIX, '_', VALIDATORS, strict=True)
