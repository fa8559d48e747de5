"""Validators for the ``compute`` namespace (flavors and images alike)."""

from nova.api.validation.extra_specs import base

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
            'it even where the host permits it; unset follows the host\'s '
            '[libvirt] live_migration_permit_auto_converge.')),
    base.Validator(
        name='live_migration_post_copy',
        type=base.BOOLEAN,
        description=(
            'Whether live migrations of the instance may switch to '
            'post-copy. true also restricts the instance to hosts '
            'reporting COMPUTE_MIGRATE_POST_COPY; false disables it even '
            'where the host permits it; unset follows the host\'s '
            '[libvirt] live_migration_permit_post_copy.')),
)

FLAVOR_NAMESPACE = base.Namespace(PREFIX, ':', VALIDATORS, strict=True)
IMAGE_NAMESPACE = base.Namespace(PREFIX, '_', VALIDATORS, strict=True)
