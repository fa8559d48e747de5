"""Entry points: validate a flavor's extra specs or an image's properties."""

from nova.api.validation.extra_specs import base
from nova.api.validation.extra_specs import compute
from nova.api.validation.extra_specs import hw
from nova import exception

FLAVOR_NAMESPACES = (compute.FLAVOR_NAMESPACE, hw.FLAVOR_NAMESPACE)
IMAGE_NAMESPACES = (compute.IMAGE_NAMESPACE,)


def validate_extra_spec(key, value):
    """Raise InvalidExtraSpec if ``key=value`` breaks a rule."""
    try:
        base.validate(FLAVOR_NAMESPACES, key, value)
    except base.RuleViolation as exc:
        raise exception.InvalidExtraSpec(key, value, str(exc))


def validate_extra_specs(extra_specs):
    for key, value in sorted((extra_specs or {}).items(), key=_key_order):
        validate_extra_spec(key, value)


def validate_image_property(key, value):
    """Raise InvalidImageProperty if ``key=value`` breaks a rule."""
    try:
        base.validate(IMAGE_NAMESPACES, key, value)
    except base.RuleViolation as exc:
        raise exception.InvalidImageProperty(key, value, str(exc))


def validate_image_properties(properties):
    for key, value in sorted((properties or {}).items(), key=_key_order):
        validate_image_property(key, value)


def all_validators():
    """(kind, key, validator) for every known key, for the docs."""
    for kind, namespaces in (('flavor', FLAVOR_NAMESPACES),
                             ('image', IMAGE_NAMESPACES)):
        for namespace in namespaces:
            for validator in namespace.validators:
                yield kind, namespace.key_of(validator), validator


def _key_order(item):
    # Report errors in a stable order whatever the key types are.
    return str(item[0])
