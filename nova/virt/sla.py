"""SLA tiers and migration purposes: how far a live migration may go.

Two things decide how hard a live migration may push to finish (design
document 001):

* the **guest's SLA tier** -- how much disturbance and risk the instance
  tolerates, set with the flavor extra spec ``compute:live_migration_sla``
  or the image property ``compute_live_migration_sla`` (the host's
  ``[libvirt] live_migration_sla_default`` when neither is set):

  ``cattle``
      Expendable.  Switch-over up to 2 s, the guest stopped up to 30 s in
      all (a pause to finish counts), vCPUs throttled up to 99 %,
      post-copy even where a broken post-copy could not be recovered.
      Placed only on hosts that can post-copy: it is how its moves finish.
  ``pet`` (the default)
      Valued.  Switch-over and guest-visible stop up to 1 s, vCPUs
      throttled up to 50 %, post-copy only where both hosts can resume a
      post-copy whose connection broke (libvirt 8.5.0, QEMU 3.0.0), never
      paused to finish.
  ``panda``
      High value.  Switch-over and stop up to 300 ms, vCPUs throttled up
      to 30 %, never post-copy (a host or link failure would split the
      guest), never paused.  Placed only on hosts that can auto-converge:
      gentle throttling is its only way to converge a busy guest.

* the **migration's purpose** -- how much finishing matters
  (nova.objects.fields.MigrationPurpose):

  ``evacuate-host``
      The host must be emptied: every lever the tier allows, as soon as
      the monitor predicts pre-copy will not converge; at the completion
      timeout the migration is forced within the tier whatever
      ``live_migration_timeout_action`` says.
  ``maintenance`` (the default)
      Should finish: the same levers; the timeout action applies.
  ``rebalance``
      May give up rather than disturb: no throttling, post-copy or pause;
      only the switch-over up to the tier's limit, and the migration is
      given up as soon as the monitor predicts pre-copy cannot converge
      within it.

Both the tier's limits and the purpose's narrowing are plain data here;
the resolver (nova.virt.migration_policy) applies them to an instance,
the monitor (nova.virt.libvirt.sla_policy) decides within them, and the
benchmark judges every policy against them.
"""

import dataclasses
import enum

import os_traits

from nova.objects import fields
from nova.virt import hardware

CATTLE = fields.SLATier.CATTLE
PET = fields.SLATier.PET
PANDA = fields.SLATier.PANDA
#: In order of increasing care.
TIER_NAMES = fields.SLATier.ALL
DEFAULT_TIER = fields.SLATier.DEFAULT
FLAVOR_KEY = 'compute:live_migration_sla'
IMAGE_KEY = 'compute_live_migration_sla'
DEFAULT_OPTION = 'live_migration_sla_default'

PURPOSE = fields.MigrationPurpose


class PostCopy(enum.Enum):
    """When a tier accepts post-copy."""

    #: Whenever it helps, even where a broken post-copy is lost.
    YES = 'yes'
    #: Only where both hosts can resume a broken post-copy.
    RECOVERABLE = 'recoverable'
    NO = 'no'


@dataclasses.dataclass(frozen=True)
class Tier:
    name: str
    description: str
    #: Largest switch-over downtime (what QEMU may stop the guest for).
    downtime_ms: int
    #: Largest guest-visible stop in all: switch-over, time paused to
    #: finish, time stalled in post-copy on a dead link.
    stop_ms: int
    #: Highest vCPU throttle (auto-converge), percent; 0: none.
    throttle_pct: int
    post_copy: PostCopy
    #: May the guest be paused so that pre-copy finishes?
    pause: bool
    #: Traits a host must have to hold an instance of this tier.
    required_traits: frozenset = frozenset()


TIERS = {
    CATTLE: Tier(
        CATTLE, 'expendable: moves finish fast, whatever the guest feels',
        downtime_ms=2000, stop_ms=30000, throttle_pct=99,
        post_copy=PostCopy.YES, pause=True,
        required_traits=frozenset([os_traits.COMPUTE_MIGRATE_POST_COPY])),
    PET: Tier(
        PET, 'valued: a short stop and some throttling, post-copy only '
             'where a broken one can be recovered',
        downtime_ms=1000, stop_ms=1000, throttle_pct=50,
        post_copy=PostCopy.RECOVERABLE, pause=False),
    PANDA: Tier(
        PANDA, 'high value: a very short stop, gentle throttling, never '
               'post-copy or a pause',
        downtime_ms=300, stop_ms=300, throttle_pct=30,
        post_copy=PostCopy.NO, pause=False,
        required_traits=frozenset(
            [os_traits.COMPUTE_MIGRATE_AUTO_CONVERGE])),
}

#: A host whose libvirt (8.5.0) and QEMU (3.0.0) resume a post-copy
#: migration whose connection broke (VIR_MIGRATE_POSTCOPY_RESUME).
POSTCOPY_RESUME_TRAIT = hardware.POSTCOPY_RESUME_TRAIT


@dataclasses.dataclass(frozen=True)
class Purpose:
    name: str
    description: str
    #: Throttling, post-copy and pausing may be used (within the tier).
    levers: bool
    #: Give up at the first prediction that pre-copy cannot converge
    #: (True), or only once every lever the tier allows is spent.
    gives_up_at_once: bool
    #: At the completion timeout, force within the tier (never abort
    #: while a lever remains) whatever live_migration_timeout_action says.
    forces_at_timeout: bool


PURPOSES = {
    PURPOSE.EVACUATE_HOST: Purpose(
        PURPOSE.EVACUATE_HOST, 'the host must be emptied: must finish',
        levers=True, gives_up_at_once=False, forces_at_timeout=True),
    PURPOSE.MAINTENANCE: Purpose(
        PURPOSE.MAINTENANCE, 'routine maintenance: should finish',
        levers=True, gives_up_at_once=False, forces_at_timeout=False),
    PURPOSE.REBALANCE: Purpose(
        PURPOSE.REBALANCE, 'rebalancing: may give up rather than disturb',
        levers=False, gives_up_at_once=True, forces_at_timeout=False),
}


def tier(name):
    """The Tier called ``name`` (KeyError naming the known ones)."""
    try:
        return TIERS[name]
    except KeyError:
        raise KeyError('unknown SLA tier %r; known: %s'
                       % (name, ', '.join(TIER_NAMES)))


def purpose(name=None):
    """The Purpose called ``name``; None is the default purpose."""
    return PURPOSES[name or PURPOSE.DEFAULT]


@dataclasses.dataclass(frozen=True)
class Limit:
    """One limit of a migration and where it came from."""

    value: object
    source: str


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one migration may do to its guest: the tier, as the purpose
    narrows it.  ``post_copy`` is the tier's rule (a PostCopy); whether
    post-copy is really armed is the resolver's decision.
    """

    tier: str
    purpose: str
    downtime_ms: Limit
    stop_ms: Limit
    throttle_pct: Limit
    post_copy: Limit
    pause: Limit

    def as_dict(self):
        out = {'tier': self.tier, 'purpose': self.purpose}
        for name in ('downtime_ms', 'stop_ms', 'throttle_pct', 'post_copy',
                     'pause'):
            limit = getattr(self, name)
            value = limit.value
            out[name] = value.value if isinstance(value, PostCopy) else value
            out[name + '_source'] = limit.source
        return out

    def allows_post_copy(self, recoverable):
        """Does the tier (and purpose) accept post-copy here?"""
        rule = self.post_copy.value
        return rule is PostCopy.YES or (
            rule is PostCopy.RECOVERABLE and bool(recoverable))


def limits(tier_name, purpose_name=None, tier_source=None):
    """The Limits of a migration of a ``tier_name`` guest for
    ``purpose_name`` (None: the default purpose).

    ``tier_source`` says where the tier came from (for example
    ``flavor compute:live_migration_sla=pet``).
    """
    t = tier(tier_name)
    p = purpose(purpose_name)
    source = 'tier %s%s' % (t.name, ' (%s)' % tier_source
                            if tier_source else '')
    narrowed = 'purpose %s: %s' % (p.name, p.description)

    def lever(value):
        return Limit(value, source) if p.levers else Limit(
            type(value)(0) if not isinstance(value, PostCopy)
            else PostCopy.NO, narrowed)
    return Limits(
        tier=t.name, purpose=p.name,
        downtime_ms=Limit(t.downtime_ms, source),
        stop_ms=Limit(t.stop_ms, source),
        throttle_pct=lever(t.throttle_pct),
        post_copy=lever(t.post_copy),
        pause=lever(t.pause))
