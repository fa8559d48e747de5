"""Placement client: providers, allocation candidates and allocations.

Works on any keystoneauth1 Adapter pointed at Placement (the embedded one
or a remote service).  Writes that race on a generation (HTTP 409
``placement.concurrent_update``) are retried after re-reading the current
state, ``conflict_retries`` times at most.

A Placement that cannot be reached (connection refused, no answer within
``[placement] timeout``) or that fails (HTTP 5xx) raises
:class:`nova.exception.PlacementUnavailable`, whatever the call.
"""

import re
import urllib.parse

from keystoneauth1 import exceptions as ks_exc
import os_resource_classes as orc
from oslo_log import log as logging

from nova import exception
from nova.scheduler import utils as scheduler_utils
from nova import utils

LOG = logging.getLogger(__name__)

# 1.35 brings root_required to allocation candidates; 1.38 brings
# consumer_type (required in allocation writes from then on).
MICROVERSION = '1.38'
CONCURRENT_UPDATE = 'placement.concurrent_update'

CONSUMER_INSTANCE = 'INSTANCE'
CONSUMER_MIGRATION = 'MIGRATION'


def _error_of(resp):
    """(code, detail) of a Placement error response."""
    try:
        error = resp.json()['errors'][0]
        return error.get('code'), error.get('detail', '').strip()
    except (ValueError, KeyError, IndexError, TypeError):
        return None, (resp.text or '').strip()[:500]


def _connection_reason(exc, timeout):
    """A short reason for a keystoneauth connection error."""
    if isinstance(exc, ks_exc.ConnectTimeout):
        if timeout is None:
            return 'no answer in time'
        return 'no answer within %g s ([placement] timeout)' % timeout
    # The socket's own words ("[Errno 111] Connection refused") say more
    # than the layers of wrapping around them.
    errno = re.search(r'\[Errno -?\d+\][^\'"()]*', str(exc))
    if errno:
        return 'cannot connect: %s' % errno.group(0).strip()
    return '%s: %s' % (type(exc).__name__, utils.shorten(
        str(exc).splitlines()[0] if str(exc) else '', 200))


class SchedulerReportClient(object):

    def __init__(self, adapter, conflict_retries=4):
        self._adapter = adapter
        self._retries = conflict_retries

    # -- HTTP -------------------------------------------------------------

    @property
    def endpoint(self):
        """Where Placement is, for messages."""
        return (getattr(self._adapter, 'endpoint_override', None) or
                'the service catalog\'s placement endpoint')

    def _request(self, method, url, **kwargs):
        """One HTTP request; PlacementUnavailable when nothing usable
        comes back (no connection, a timeout, HTTP 5xx).
        """
        kwargs.setdefault('microversion', MICROVERSION)
        try:
            resp = self._adapter.request(url, method, **kwargs)
        except ks_exc.ConnectionError as exc:
            reason = _connection_reason(
                exc, getattr(self._adapter.session, 'timeout', None))
        except ks_exc.ClientException as exc:
            # Keystone could not authenticate us or find the endpoint.
            reason = '%s: %s' % (type(exc).__name__, utils.shorten(exc, 200))
        else:
            if resp.status_code < 500:
                return resp
            reason = 'HTTP %d: %s' % (resp.status_code, utils.shorten(
                _error_of(resp)[1] or resp.reason, 200))
        raise exception.PlacementUnavailable(
            endpoint=self.endpoint, method=method, url=url.split('?')[0],
            reason=reason)

    def _call(self, method, url, body=None, ok=(200,)):
        kwargs = {}
        if body is not None:
            kwargs['json'] = body
        resp = self._request(method, url, **kwargs)
        if resp.status_code not in ok:
            code, detail = _error_of(resp)
            if resp.status_code == 409 and code == CONCURRENT_UPDATE:
                raise _GenerationConflict(method, url, detail)
            raise exception.PlacementAPIError(
                method=method, url=url, status=resp.status_code,
                detail=detail)
        return resp.json() if resp.status_code != 204 and resp.text else {}

    def _retrying(self, method, url, attempt):
        """Run ``attempt()`` until it wins its generation race."""
        last = None
        for _ in range(self._retries + 1):
            try:
                return attempt()
            except _GenerationConflict as conflict:
                last = conflict
                LOG.debug('Generation conflict on %s %s, retrying', method,
                          url)
        raise exception.PlacementConflict(
            method=method, url=url, attempts=self._retries + 1,
            detail=last.detail)

    # -- providers --------------------------------------------------------

    def get_providers(self, query=None):
        url = '/resource_providers'
        if query:
            url += '?' + urllib.parse.urlencode(query)
        return self._call('GET', url)['resource_providers']

    def get_provider(self, rp_uuid):
        return self._call('GET', '/resource_providers/%s' % rp_uuid)

    def ensure_resource_provider(self, rp_uuid, name, parent_uuid=None):
        """Create the provider if it does not exist; return it."""
        resp = self._request('GET', '/resource_providers/%s' % rp_uuid)
        if resp.status_code == 200:
            return resp.json()
        body = {'uuid': rp_uuid, 'name': name}
        if parent_uuid:
            body['parent_provider_uuid'] = parent_uuid
        return self._call('POST', '/resource_providers', body)

    def ensure_resource_classes(self, names):
        for name in names:
            self._call('PUT', '/resource_classes/%s' % name,
                       ok=(201, 204))

    def set_inventory(self, rp_uuid, inventory):
        """Replace the provider's inventory with ``inventory``."""
        url = '/resource_providers/%s/inventories' % rp_uuid

        def attempt():
            generation = self.get_provider(rp_uuid)['generation']
            return self._call('PUT', url, {
                'inventories': inventory,
                'resource_provider_generation': generation})
        return self._retrying('PUT', url, attempt)

    def set_traits(self, rp_uuid, traits):
        """Replace the provider's traits with ``traits``.

        Custom traits (CUSTOM_*) are created first.
        """
        url = '/resource_providers/%s/traits' % rp_uuid
        for trait in traits:
            if trait.startswith('CUSTOM_'):
                self._call('PUT', '/traits/%s' % trait, ok=(201, 204))

        def attempt():
            generation = self.get_provider(rp_uuid)['generation']
            return self._call('PUT', url, {
                'traits': sorted(traits),
                'resource_provider_generation': generation})
        return self._retrying('PUT', url, attempt)

    def get_traits(self, rp_uuid):
        return set(self._call(
            'GET', '/resource_providers/%s/traits' % rp_uuid)['traits'])

    def get_usages(self, rp_uuid):
        return self._call(
            'GET', '/resource_providers/%s/usages' % rp_uuid)['usages']

    def sync_compute_node(self, compute_node, traits, extra_inventory=None):
        """Report a compute node's provider, inventory and traits.

        ``extra_inventory`` adds resource classes beyond VCPU, MEMORY_MB
        and DISK_GB (vPMEM namespaces); custom ones are created first.
        """
        self.ensure_resource_provider(compute_node.uuid,
                                      compute_node.hypervisor_hostname)
        inventory = compute_node.placement_inventory()
        if extra_inventory:
            self.ensure_resource_classes(
                [rc for rc in extra_inventory if orc.is_custom(rc)])
            inventory.update(extra_inventory)
        self.set_inventory(compute_node.uuid, inventory)
        self.set_traits(compute_node.uuid, traits)

    def providers_with_traits(self, required=(), forbidden=()):
        """Root providers matching the trait expression."""
        expression = scheduler_utils.format_traits(required, forbidden)
        providers = self.get_providers({'required': expression})
        return [p for p in providers if not p.get('parent_provider_uuid')]

    # -- allocation candidates ---------------------------------------------

    def get_allocation_candidates(self, resources, root_required=(),
                                  root_forbidden=(), limit=None):
        """GET /allocation_candidates; returns (requests, summaries)."""
        query = {'resources': scheduler_utils.format_resources(resources)}
        traits = scheduler_utils.format_traits(root_required, root_forbidden)
        if traits:
            query['root_required'] = traits
        if limit:
            query['limit'] = int(limit)
        body = self._call('GET', '/allocation_candidates?' +
                          urllib.parse.urlencode(query))
        return body['allocation_requests'], body['provider_summaries']

    # -- allocations ------------------------------------------------------

    def get_provider_allocations(self, rp_uuid):
        """{consumer uuid: {resource class: amount}} on one provider."""
        body = self._call('GET', '/resource_providers/%s/allocations'
                          % rp_uuid)
        return {consumer: dict(alloc['resources'])
                for consumer, alloc in body.get('allocations', {}).items()}

    def get_allocations_for_consumer(self, consumer_uuid):
        """{'allocations': {rp: {'resources': {}}}, 'consumer_generation'..}.

        A consumer without allocations answers allocations {} and no
        generation.
        """
        return self._call('GET', '/allocations/%s' % consumer_uuid)

    def claim_resources(self, consumer_uuid, allocations, project_id,
                        user_id, consumer_type=CONSUMER_INSTANCE):
        """Allocate ``allocations`` ({rp: {'resources': {}}}) to a consumer.

        The consumer must hold nothing yet.  Raises AllocationClaimFailed
        when Placement refuses (for example, the provider is full).
        """
        url = '/allocations/%s' % consumer_uuid

        def attempt():
            current = self.get_allocations_for_consumer(consumer_uuid)
            if current.get('allocations'):
                raise exception.AllocationClaimFailed(
                    resources=_describe(allocations), consumer=consumer_uuid,
                    providers=', '.join(sorted(allocations)),
                    detail='the consumer already holds allocations')
            body = {'allocations': _resources_only(allocations),
                    'project_id': project_id, 'user_id': user_id,
                    'consumer_generation': current.get('consumer_generation'),
                    'consumer_type': consumer_type}
            try:
                self._call('PUT', url, body, ok=(204,))
            except exception.PlacementAPIError as exc:
                raise exception.AllocationClaimFailed(
                    resources=_describe(allocations), consumer=consumer_uuid,
                    providers=', '.join(sorted(allocations)),
                    detail=exc.kwargs.get('detail', str(exc)))
        self._retrying('PUT', url, attempt)
        LOG.info('Claimed %s for %s %s', _describe(allocations),
                 consumer_type.lower(), consumer_uuid)

    def move_allocations(self, source_uuid, target_uuid,
                         target_type=CONSUMER_MIGRATION):
        """Give the source consumer's allocations to the target, atomically.

        Whatever the target held is replaced; the source ends with nothing.
        Used to hand an instance's source-host allocation to its migration
        at the start of a live migration (target_type MIGRATION), and back
        to the instance on rollback (target_type INSTANCE).
        """

        def attempt():
            source = self.get_allocations_for_consumer(source_uuid)
            if not source.get('allocations'):
                raise exception.AllocationMoveFailed(
                    source=source_uuid, target=target_uuid,
                    detail='the source consumer holds no allocations')
            target = self.get_allocations_for_consumer(target_uuid)
            body = {
                source_uuid: {
                    'allocations': {},
                    'project_id': source['project_id'],
                    'user_id': source['user_id'],
                    'consumer_generation': source['consumer_generation'],
                    'consumer_type': source['consumer_type']},
                target_uuid: {
                    'allocations': _resources_only(source['allocations']),
                    'project_id': source['project_id'],
                    'user_id': source['user_id'],
                    'consumer_generation': target.get('consumer_generation'),
                    'consumer_type': target_type},
            }
            try:
                self._call('POST', '/allocations', body, ok=(204,))
            except exception.PlacementAPIError as exc:
                raise exception.AllocationMoveFailed(
                    source=source_uuid, target=target_uuid,
                    detail=exc.kwargs.get('detail', str(exc)))
        self._retrying('POST', '/allocations', attempt)
        LOG.info('Moved allocations of %s to %s (%s)', source_uuid,
                 target_uuid, target_type)

    def revert_allocation_for_migration(self, migration_uuid,
                                        instance_uuid):
        """Give the source allocation a migration holds back to its
        instance, replacing whatever the instance holds (its destination).

        Does nothing when the migration holds nothing (already settled).
        """
        held = self.get_allocations_for_consumer(migration_uuid)
        if held.get('allocations'):
            self.move_allocations(migration_uuid, instance_uuid,
                                  CONSUMER_INSTANCE)

    def delete_allocation_for_consumer(self, consumer_uuid):
        self._call('DELETE', '/allocations/%s' % consumer_uuid,
                   ok=(204, 404))

    # -- removing what a run created ---------------------------------------

    def delete_resource_provider(self, rp_uuid):
        """Delete a provider that holds no allocations (404: gone)."""
        self._call('DELETE', '/resource_providers/%s' % rp_uuid,
                   ok=(204, 404))

    def get_custom_resource_classes(self):
        return {rc['name'] for rc in self._call(
            'GET', '/resource_classes')['resource_classes']
            if orc.is_custom(rc['name'])}

    def delete_resource_class(self, name):
        self._call('DELETE', '/resource_classes/%s' % name, ok=(204, 404))

    def get_custom_traits(self):
        return set(self._call('GET', '/traits?name=startswith:CUSTOM_')[
            'traits'])

    def delete_trait(self, name):
        self._call('DELETE', '/traits/%s' % name, ok=(204, 404))


class _GenerationConflict(Exception):
    def __init__(self, method, url, detail):
        super().__init__(detail)
        self.method, self.url, self.detail = method, url, detail


def _resources_only(allocations):
    return {rp: {'resources': dict(alloc['resources'])}
            for rp, alloc in allocations.items()}


def _describe(allocations):
    total = {}
    for alloc in allocations.values():
        for rc, amount in alloc['resources'].items():
            total[rc] = total.get(rc, 0) + amount
    return scheduler_utils.format_resources(total)
