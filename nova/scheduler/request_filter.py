"""Request filters: turn what a request asks for into Placement terms.

Each filter is ``filter(context, request_spec) -> bool``: it may add to
``request_spec.root_required`` / ``root_forbidden`` and returns True when
it changed the request.  They run in the order of ALL_REQUEST_FILTERS; an
exception from one fails the scheduling request.
"""

from oslo_log import log as logging

from nova.virt import migration_policy

LOG = logging.getLogger(__name__)


def migration_policy_filter(ctxt, request_spec):
    """Require the traits of the live-migration features asked for.

    ``true`` for auto-converge or post-copy (flavor or image) requires
    COMPUTE_MIGRATE_AUTO_CONVERGE or COMPUTE_MIGRATE_POST_COPY on the host,
    and so does an SLA tier of the instance's own that relies on one
    (``cattle``: post-copy; ``panda``: auto-converge); ``false``, unset,
    ``pet`` or a host's default tier add nothing, so the instance may land
    anywhere.
    """
    requests = migration_policy.requested_features(
        request_spec.flavor, request_spec.image)
    tier = migration_policy.requested_tier(request_spec.flavor,
                                           request_spec.image)
    traits = migration_policy.required_traits(requests, tier)
    if not traits:
        return False
    # Assign a new set so that the object records the change.
    request_spec.root_required = set(request_spec.root_required) | traits
    LOG.debug('migration_policy_filter required traits %s for instance %s',
              sorted(traits), request_spec.instance_uuid)
    return True


ALL_REQUEST_FILTERS = [
    migration_policy_filter,
]


def process_reqspec(ctxt, request_spec):
    """Run every request filter, in order, on ``request_spec``."""
    applied = []
    for request_filter in ALL_REQUEST_FILTERS:
        if request_filter(ctxt, request_spec):
            applied.append(request_filter.__name__)
    return applied
