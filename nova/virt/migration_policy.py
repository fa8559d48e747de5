"""The one place that decides an instance's live-migration policy.

Auto-converge and post-copy are chosen per instance, for each feature the
first of these that says something:

1. the flavor extra spec ``compute:live_migration_<feature>`` or the image
   property ``compute_live_migration_<feature>`` (``true`` or ``false``:
   never overridden);
2. the instance's own SLA tier, ``compute:live_migration_sla`` /
   ``compute_live_migration_sla`` (see nova.virt.sla);
3. the host's ``[libvirt] live_migration_permit_<feature>`` when it is set
   (the behaviour before tiers existed);
4. the host's default tier, ``[libvirt] live_migration_sla_default``.

Then: an instance with vPMEM or a paused guest never post-copies; a
``rebalance`` turns off what did not come from (1); a host that cannot do
a feature (its trait is missing) does not use what did not come from (1).
The tier (with the purpose) also gives the migration's limits: the
largest switch-over and guest-visible stop, the highest throttle, whether
the guest may be paused.  API validation, the scheduler's request filter,
the libvirt driver and ``plan`` all call this module, so they cannot
disagree.

Everything here is pure: values in, a decision or a typed error out.
"""

import dataclasses
import enum

import os_traits

from nova import exception
from nova import utils
from nova.virt import hardware
from nova.virt import sla


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

    @property
    def option(self):
        return 'live_migration_permit_%s' % self.value


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
    # The SLA tier decided (the instance's, or the host's default).
    SLA = 'sla'
    # The migration's purpose turned the feature off.
    PURPOSE = 'purpose'
    # The host (or the destination) cannot do it.
    HOST = 'host'


EXPLICIT = (Origin.FLAVOR, Origin.IMAGE)


@dataclasses.dataclass(frozen=True)
class Request:
    """What the instance's metadata says about one key."""

    value: object = None
    origin: Origin = None
    key: str = None

    @property
    def is_set(self):
        return self.value is not None

    def describe(self):
        kinds = {Origin.FLAVOR: 'flavor extra spec',
                 Origin.IMAGE: 'image property',
                 Origin.CONFIG: '[libvirt]'}
        value = self.value
        if isinstance(value, bool):
            value = str(value).lower()
        return '%s %s=%s' % (kinds.get(self.origin, self.origin),
                             self.key, value)


@dataclasses.dataclass(frozen=True)
class Decision:
    enabled: bool
    origin: Origin
    reason: str

    @property
    def explicit(self):
        return self.origin in EXPLICIT


@dataclasses.dataclass(frozen=True)
class MigrationPolicy:
    auto_converge: Decision
    post_copy: Decision
    required_traits: frozenset
    #: The SLA tier: a Request (origin flavor, image or config).
    tier: Request = None
    #: nova.virt.sla.Limits of this migration (tier and purpose).
    limits: sla.Limits = None

    def as_dict(self):
        out = {'required_traits': sorted(self.required_traits)}
        for feature in Feature:
            decision = getattr(self, feature.value)
            out[feature.value] = decision.enabled
            out[feature.value + '_origin'] = decision.origin.value
            out[feature.value + '_reason'] = decision.reason
        if self.tier is not None:
            out['sla_tier'] = self.tier.value
            out['sla_tier_origin'] = self.tier.origin.value
            out['sla_tier_source'] = self.tier.describe()
        if self.limits is not None:
            out['limits'] = self.limits.as_dict()
        return out


def _flavor_value(flavor, key, parse):
    specs = (flavor.extra_specs or {}) if flavor is not None else {}
    if key not in specs:
        return None
    raw = specs[key]
    try:
        return parse(raw)
    except ValueError as exc:
        raise exception.InvalidExtraSpec(key, raw, str(exc))


def _image_value(image_meta, key):
    props = getattr(image_meta, 'properties', None)
    if props is None:
        return None
    return props.get(key)


def _merge(flavor_key, flavor_value, image_key, image_value, show=str):
    """One Request from a flavor and an image value that must agree."""
    if (flavor_value is not None and image_value is not None
            and flavor_value != image_value):
        raise exception.FlavorImageConflict(
            flavor_key=flavor_key, flavor_value=show(flavor_value),
            image_key=image_key, image_value=show(image_value))
    if flavor_value is not None:
        return Request(flavor_value, Origin.FLAVOR, flavor_key)
    if image_value is not None:
        return Request(image_value, Origin.IMAGE, image_key)
    return Request()


def _parse_tier(value):
    if value not in sla.TIER_NAMES:
        raise ValueError('the value must be one of %s'
                         % ', '.join(sla.TIER_NAMES))
    return value


def requested_tier(flavor, image_meta):
    """The SLA tier the flavor or image names (a Request; unset if none).

    Raises InvalidExtraSpec for an unknown tier in the flavor and
    FlavorImageConflict when the flavor and the image name different
    tiers.
    """
    return _merge(sla.FLAVOR_KEY,
                  _flavor_value(flavor, sla.FLAVOR_KEY, _parse_tier),
                  sla.IMAGE_KEY, _image_value(image_meta, sla.IMAGE_KEY))


def _show_bool(value):
    return str(value).lower()


def _check_tier(tier_request, requests, pmem):
    """Refuse a tier its instance's explicit values contradict."""
    if not tier_request.is_set:
        return
    tier = sla.tier(tier_request.value)
    pc = requests[Feature.POST_COPY]
    ac = requests[Feature.AUTO_CONVERGE]
    clashes = []
    if tier.post_copy is sla.PostCopy.NO and pc.value:
        clashes.append((pc, 'the tier never uses post-copy'))
    needs_pc = Feature.POST_COPY.trait in tier.required_traits
    if needs_pc and pc.value is False:
        clashes.append((pc, 'the tier finishes its moves by post-copy'))
    if Feature.AUTO_CONVERGE.trait in tier.required_traits and (
            ac.value is False):
        clashes.append((ac, 'the tier converges busy guests by throttling '
                            'them (auto-converge)'))
    for request, rule in clashes:
        raise exception.SLATierConflict(
            tier=tier_request.describe(), other=request.describe(),
            rule=rule)
    if needs_pc and pmem:
        raise exception.SLATierConflict(
            tier=tier_request.describe(),
            other='flavor extra spec %s=%s' % (hardware.PMEM_KEY,
                                               ','.join(pmem)),
            rule='the tier finishes its moves by post-copy, which cannot '
                 'migrate vPMEM devices')


def requested_features(flavor, image_meta):
    """Return {Feature: Request} from the flavor and image metadata.

    Raises FlavorImageConflict when the flavor and the image both set a
    feature (or the tier) to different values,
    AutoConvergeAndPostCopyConflict when both features are requested as
    true, InvalidExtraSpec for a value that is not a boolean (or not a
    tier), PostCopyWithVPMEMConflict when post-copy is requested for a
    flavor with vPMEM, and SLATierConflict when the tier contradicts an
    explicit value.
    """
    requests = {}
    for feature in Feature:
        requests[feature] = _merge(
            feature.flavor_key,
            _flavor_value(flavor, feature.flavor_key, utils.parse_boolean),
            feature.image_key, _image_value(image_meta, feature.image_key),
            show=_show_bool)

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
    _check_tier(requested_tier(flavor, image_meta), requests, pmem)
    return requests


def required_traits(requests, tier_request=None):
    """Traits the host must report for the requested features and the
    instance's own tier (a host's default tier requires nothing).
    """
    traits = {feature.trait for feature, request in requests.items()
              if request.value is True}
    if tier_request is not None and tier_request.is_set:
        traits |= sla.tier(tier_request.value).required_traits
    return frozenset(traits)


def _from_request(request):
    word = 'on' if request.value else 'off'
    return Decision(request.value, request.origin,
                    '%s: %s' % (word, request.describe()))


def _config_reason(feature, permitted):
    return '%s: [libvirt] %s = %s' % (
        'on' if permitted else 'off', feature.option, permitted)


def _tier_origin(limits):
    """SLA, or PURPOSE when the purpose narrowed the tier's levers."""
    return (Origin.SLA if sla.purpose(limits.purpose).levers
            else Origin.PURPOSE)


def _tier_post_copy(tier_request, limits, recoverable):
    rule = limits.post_copy.value
    where = tier_request.describe()
    if rule is sla.PostCopy.RECOVERABLE:
        if recoverable is None:
            return Decision(True, Origin.SLA,
                            'on where both hosts can resume a broken '
                            'post-copy: %s' % where)
        if not recoverable:
            return Decision(False, Origin.SLA,
                            'off: %s, and these hosts cannot resume a '
                            'broken post-copy' % where)
    enabled = limits.allows_post_copy(True)
    return Decision(enabled, _tier_origin(limits), '%s: %s' % (
        'on' if enabled else 'off', limits.post_copy.source))


def _tier_auto_converge(limits):
    cap = limits.throttle_pct.value
    if cap:
        return Decision(True, Origin.SLA, 'on, throttle up to %d %%: %s' % (
            cap, limits.throttle_pct.source))
    return Decision(False, _tier_origin(limits),
                    'off: %s' % limits.throttle_pct.source)


@dataclasses.dataclass(frozen=True)
class _Inputs:
    requests: dict
    tier: Request
    own_tier: bool
    limits: sla.Limits
    permits: dict
    capabilities: frozenset
    recoverable: object


def _decide_post_copy(inputs, has_vpmem, paused):
    pc = inputs.requests[Feature.POST_COPY]
    ac = inputs.requests[Feature.AUTO_CONVERGE]
    permit = inputs.permits[Feature.POST_COPY]
    if pc.is_set:
        decision = _from_request(pc)
    elif inputs.own_tier:
        decision = _tier_post_copy(inputs.tier, inputs.limits,
                                   inputs.recoverable)
    elif ac.value:
        decision = Decision(False, Origin.AUTO_CONVERGE,
                            'off: auto-converge requested by %s'
                            % ac.describe())
    elif permit is not None:
        decision = Decision(permit, Origin.CONFIG,
                            _config_reason(Feature.POST_COPY, permit))
    else:
        decision = _tier_post_copy(inputs.tier, inputs.limits,
                                   inputs.recoverable)
    if decision.enabled and has_vpmem:
        return Decision(False, Origin.VPMEM,
                        'off: the instance has vPMEM devices, which '
                        'post-copy cannot migrate')
    if decision.enabled and paused:
        return Decision(False, Origin.PAUSED,
                        'off: the guest is paused, so there is nothing to '
                        'gain from post-copy')
    return _narrow(decision, Feature.POST_COPY, inputs)


def _decide_auto_converge(inputs, post_copy):
    ac = inputs.requests[Feature.AUTO_CONVERGE]
    permit = inputs.permits[Feature.AUTO_CONVERGE]
    if ac.is_set:
        return _from_request(ac)
    if inputs.own_tier or permit is None:
        return _narrow(_tier_auto_converge(inputs.limits),
                       Feature.AUTO_CONVERGE, inputs)
    if permit and post_copy.enabled:
        decision = Decision(False, Origin.CONFIG,
                            'off: post-copy is used instead, and the '
                            'two are never combined')
    else:
        decision = Decision(permit, Origin.CONFIG,
                            _config_reason(Feature.AUTO_CONVERGE, permit))
    return _narrow(decision, Feature.AUTO_CONVERGE, inputs)


def _narrow(decision, feature, inputs):
    """A rebalance, or a host without the feature, turns off what the
    instance did not ask for explicitly.
    """
    if not decision.enabled or decision.explicit:
        return decision
    purpose = sla.purpose(inputs.limits.purpose)
    if not purpose.levers:
        return Decision(False, Origin.PURPOSE, 'off: purpose %s: %s' % (
            purpose.name, purpose.description))
    if (inputs.capabilities is not None
            and feature.trait not in inputs.capabilities):
        return Decision(False, Origin.HOST,
                        'off: the host does not report %s' % feature.trait)
    return decision


def resolve(flavor, image_meta, permit_post_copy=None,
            permit_auto_converge=None, paused=False,
            default_tier=sla.DEFAULT_TIER, purpose=None, capabilities=None,
            vpmem=False):
    """Decide auto-converge, post-copy and the limits of one migration.

    :param flavor: the instance's Flavor (extra specs are read).
    :param image_meta: the instance's ImageMeta, or None.
    :param permit_post_copy: the host's live_migration_permit_post_copy
        (None: unset).
    :param permit_auto_converge: the host's
        live_migration_permit_auto_converge (None: unset).
    :param paused: whether the guest is paused (post-copy is then off).
    :param default_tier: the host's live_migration_sla_default.
    :param purpose: a MigrationPurpose value (None: the default).
    :param capabilities: the traits of the source host, with
        POSTCOPY_RESUME_TRAIT only when the destination can resume a
        broken post-copy too; None when unknown (API checks, ``plan``):
        then every feature is taken as available.
    :param vpmem: the instance has vPMEM devices (whatever its flavor
        says): post-copy is then off.
    :returns: MigrationPolicy
    :raises: MigrationPolicyConflict or InvalidExtraSpec subclasses.
    """
    requests = requested_features(flavor, image_meta)
    tier_request = requested_tier(flavor, image_meta)
    own_tier = tier_request.is_set
    if not own_tier:
        tier_request = Request(default_tier or sla.DEFAULT_TIER,
                               Origin.CONFIG, sla.DEFAULT_OPTION)
    limits = sla.limits(tier_request.value, purpose,
                        tier_source=tier_request.describe())
    caps = None if capabilities is None else frozenset(capabilities)
    inputs = _Inputs(
        requests=requests, tier=tier_request, own_tier=own_tier,
        limits=limits,
        permits={Feature.POST_COPY: permit_post_copy,
                 Feature.AUTO_CONVERGE: permit_auto_converge},
        capabilities=caps,
        recoverable=None if caps is None
        else sla.POSTCOPY_RESUME_TRAIT in caps)
    has_vpmem = bool(vpmem) or (
        bool(hardware.get_vpmem_labels(flavor)) if flavor else False)
    post_copy = _decide_post_copy(inputs, has_vpmem, paused)
    auto_converge = _decide_auto_converge(inputs, post_copy)
    return MigrationPolicy(
        auto_converge=auto_converge, post_copy=post_copy,
        required_traits=required_traits(
            requests, tier_request if own_tier else None),
        tier=tier_request, limits=limits)
