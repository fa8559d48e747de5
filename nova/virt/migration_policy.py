"""The one place that decides an instance's live-migration features.

Auto-converge and post-copy are chosen per instance from three inputs: the
flavor extra specs ``compute:live_migration_<feature>``, the image
properties ``compute_live_migration_<feature>`` and, when neither says
anything, the host's ``[libvirt] live_migration_permit_<feature>``.  API
validation, the scheduler's request filter and the libvirt driver all call
this module, so they cannot disagree.

Everything here is pure: values in, a decision or a typed error out.
"""

import dataclasses
import enum

import os_traits

from nova import exception
from nova import utils
from nova.virt import hardware


class Feature(enum.Enum):
    AUTO_CONVERGE = 'auto_converge'
    POST_COPY = 'post_copy'

    @property
    def flavor_key(self):
        return 'compute:live_migration_%s' % self.value

    @property
    def image_key(self):
        return 'compute_live_migration_%s' % self.value

    @property
    def trait(self):
        return _TRAITS[self]


_TRAITS = {
    Feature.AUTO_CONVERGE: os_traits.COMPUTE_MIGRATE_AUTO_CONVERGE,
    Feature.POST_COPY: os_traits.COMPUTE_MIGRATE_POST_COPY,
}


class Origin(enum.Enum):
    """Where a decision came from."""

    FLAVOR = 'flavor'
    IMAGE = 'image'
    CONFIG = 'config'
    # Post-copy off because the instance asked for auto-converge.
    AUTO_CONVERGE = 'auto_converge'
    # Post-copy off because the instance has vPMEM devices.
    VPMEM = 'vpmem'
    # Post-copy off because the guest is paused.
    PAUSED = 'paused'


@dataclasses.dataclass(frozen=True)
class Request:
    """What the instance's metadata says about one feature."""

    value: bool = None
    origin: Origin = None
    key: str = None

    @property
    def is_set(self):
        return self.value is not None

    def describe(self):
        kind = ('flavor extra spec' if self.origin is Origin.FLAVOR
                else 'image property')
        return '%s %s=%s' % (kind, self.key, str(self.value).lower())


@dataclasses.dataclass(frozen=True)
class Decision:
    enabled: bool
    origin: Origin
    reason: str


@dataclasses.dataclass(frozen=True)
class MigrationPolicy:
    auto_converge: Decision
    post_copy: Decision
    required_traits: frozenset

    def as_dict(self):
        out = {'required_traits': sorted(self.required_traits)}
        for feature in Feature:
            decision = getattr(self, feature.value)
            out[feature.value] = decision.enabled
            out[feature.value + '_origin'] = decision.origin.value
            out[feature.value + '_reason'] = decision.reason
        return out


def _flavor_request(flavor, feature):
    specs = (flavor.extra_specs or {}) if flavor is not None else {}
    if feature.flavor_key not in specs:
        return Request()
    raw = specs[feature.flavor_key]
    try:
        value = utils.parse_boolean(raw)
    except ValueError as exc:
        raise exception.InvalidExtraSpec(feature.flavor_key, raw, str(exc))
    return Request(value, Origin.FLAVOR, feature.flavor_key)


def _image_request(image_meta, feature):
    props = getattr(image_meta, 'properties', None)
    if props is None:
        return Request()
    value = props.get(feature.image_key)
    if value is None:
        return Request()
    return Request(value, Origin.IMAGE, feature.image_key)


def requested_features(flavor, image_meta):
    """Return {Feature: Request} from the flavor and image metadata.

    Raises FlavorImageConflict when the flavor and the image both set a
    feature to different values, AutoConvergeAndPostCopyConflict when
    both features end up requested as true, InvalidExtraSpec for a value
    that is not a boolean, and PostCopyWithVPMEMConflict when post-copy
    is requested for a flavor with vPMEM.
    """
    requests = {}
    for feature in Feature:
        from_flavor = _flavor_request(flavor, feature)
        from_image = _image_request(image_meta, feature)
        if (from_flavor.is_set and from_image.is_set
                and from_flavor.value != from_image.value):
            raise exception.FlavorImageConflict(
                flavor_key=from_flavor.key,
                flavor_value=str(from_flavor.value).lower(),
                image_key=from_image.key,
                image_value=str(from_image.value).lower())
        requests[feature] = from_flavor if from_flavor.is_set else from_image

    ac = requests[Feature.AUTO_CONVERGE]
    pc = requests[Feature.POST_COPY]
    if ac.value and pc.value:
        raise exception.AutoConvergeAndPostCopyConflict(
            ac_key=ac.key, ac_origin=ac.origin.value,
            pc_key=pc.key, pc_origin=pc.origin.value)
    pmem = hardware.get_vpmem_labels(flavor) if flavor is not None else []
    if pmem and pc.value:
        raise exception.PostCopyWithVPMEMConflict(
            pc_key=pc.key, pc_origin=pc.origin.value, pmem=','.join(pmem))
    return requests


def required_traits(requests):
    """Traits the host must report for the requested features."""
    return frozenset(feature.trait for feature, request in requests.items()
                     if request.value is True)


def _from_request(request):
    word = 'on' if request.value else 'off'
    return Decision(request.value, request.origin,
                    '%s: %s' % (word, request.describe()))


def _config_reason(feature, permitted):
    return '%s: [libvirt] live_migration_permit_%s = %s' % (
        'on' if permitted else 'off', feature.value, permitted)


def _decide_post_copy(requests, permit_post_copy, has_vpmem, paused):
    pc = requests[Feature.POST_COPY]
    ac = requests[Feature.AUTO_CONVERGE]
    if pc.is_set:
        decision = _from_request(pc)
    elif ac.value:
        decision = Decision(False, Origin.AUTO_CONVERGE,
                            'off: auto-converge requested by %s'
                            % ac.describe())
    else:
        decision = Decision(permit_post_copy, Origin.CONFIG,
                            _config_reason(Feature.POST_COPY,
                                           permit_post_copy))
    if decision.enabled and has_vpmem:
        return Decision(False, Origin.VPMEM,
                        'off: the instance has vPMEM devices, which '
                        'post-copy cannot migrate')
    if decision.enabled and paused:
        return Decision(False, Origin.PAUSED,
                        'off: the guest is paused, so there is nothing to '
                        'gain from post-copy')
    return decision


def resolve(flavor, image_meta, permit_post_copy=False,
            permit_auto_converge=False, paused=False):
    """Decide auto-converge and post-copy for one instance on one host.

    :param flavor: the instance's Flavor (extra specs are read).
    :param image_meta: the instance's ImageMeta, or None.
    :param permit_post_copy: the host's live_migration_permit_post_copy.
    :param permit_auto_converge: the host's
        live_migration_permit_auto_converge.
    :param paused: whether the guest is paused (post-copy is then off).
    :returns: MigrationPolicy
    :raises: MigrationPolicyConflict or InvalidExtraSpec subclasses.
    """
    requests = requested_features(flavor, image_meta)
    has_vpmem = bool(hardware.get_vpmem_labels(flavor)) if flavor else False
    post_copy = _decide_post_copy(
        requests, bool(permit_post_copy), has_vpmem, paused)

    ac = requests[Feature.AUTO_CONVERGE]
    if ac.is_set:
        auto_converge = _from_request(ac)
    elif permit_auto_converge and post_copy.enabled:
        auto_converge = Decision(False, Origin.CONFIG,
                                 'off: post-copy is used instead, and the '
                                 'two are never combined')
    else:
        auto_converge = Decision(
            bool(permit_auto_converge), Origin.CONFIG,
            _config_reason(Feature.AUTO_CONVERGE,
                           bool(permit_auto_converge)))
    return MigrationPolicy(auto_converge=auto_converge, post_copy=post_copy,
                           required_traits=required_traits(requests))
