"""Host selection: request filters, Placement candidates, claim."""

import dataclasses

import os_resource_classes as orc
from oslo_log import log as logging

from nova import exception
from nova.scheduler.client import report
from nova.scheduler import request_filter
from nova.scheduler import utils

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Selection:
    host: str
    provider_uuid: str
    allocations: dict


class SchedulerManager(object):

    def __init__(self, report_client, service_is_up=None,
                 service_is_enabled=None):
        self.report_client = report_client
        #: host name -> bool; hosts whose compute service is down are never
        #: selected (None: every host counts as up).
        self.service_is_up = service_is_up
        #: host name -> bool; hosts whose compute service an operator
        #: disabled are never selected (None: every host is enabled).
        self.service_is_enabled = service_is_enabled

    def find_candidates(self, ctxt, request_spec):
        """Hosts able to take the request, best first; nothing is claimed.

        Runs the request filters (which may add required traits to the
        spec), asks Placement for allocation candidates and drops hosts the
        spec ignores.  Raises NoValidHost with the reason when none is left.
        """
        request_filter.process_reqspec(ctxt, request_spec)
        resources = utils.resources_from_flavor(request_spec.flavor)
        try:
            alloc_reqs, summaries = (
                self.report_client.get_allocation_candidates(
                    resources, request_spec.root_required,
                    request_spec.root_forbidden))
        except exception.PlacementAPIError as exc:
            unknown = _unknown_resource_class(exc)
            if unknown is None:
                raise
            raise exception.NoValidHost(
                reason='No host offers the resource class %s.' % unknown)
        names = {p['uuid']: p['name']
                 for p in self.report_client.get_providers()}
        candidates = []
        down = set()
        disabled = set()
        for alloc_req in alloc_reqs:
            root = _root_of(alloc_req['allocations'], summaries)
            host = names.get(root)
            if host in request_spec.ignore_hosts:
                continue
            if self.service_is_up and not self.service_is_up(host):
                down.add(host)
                continue
            if (self.service_is_enabled
                    and not self.service_is_enabled(host)):
                disabled.add(host)
                continue
            if (request_spec.requested_host
                    and host != request_spec.requested_host):
                continue
            candidates.append(Selection(host, root,
                                        alloc_req['allocations']))
        if not candidates:
            reason = self._explain(request_spec, resources, bool(alloc_reqs))
            if down:
                reason += (' The compute service of %s is down.'
                           % ', '.join(sorted(down)))
            if disabled:
                reason += (' The compute service of %s is disabled.'
                           % ', '.join(sorted(disabled)))
            raise exception.NoValidHost(reason=reason)
        candidates.sort(key=lambda s: (-_free(summaries, s.provider_uuid,
                                              orc.MEMORY_MB), s.host))
        return candidates

    def select_destinations(self, ctxt, request_spec,
                            consumer_type=report.CONSUMER_INSTANCE):
        """Pick a host and claim the request there for the instance.

        Candidates are tried best first; one that Placement refuses (it
        filled up meanwhile) is skipped.  Returns the Selection claimed.
        """
        candidates = self.find_candidates(ctxt, request_spec)
        failures = []
        for selection in candidates:
            try:
                self.report_client.claim_resources(
                    request_spec.instance_uuid, selection.allocations,
                    request_spec.project_id, request_spec.user_id,
                    consumer_type=consumer_type)
            except exception.AllocationClaimFailed as exc:
                LOG.info('Host %s refused the claim: %s', selection.host, exc)
                failures.append('%s: %s' % (selection.host, exc))
                continue
            return selection
        raise exception.NoValidHost(
            reason='Every candidate refused the claim: %s'
                   % '; '.join(failures))

    def _explain(self, request_spec, resources, had_candidates):
        """Say why no host is left, naming traits no host reports."""
        wanted = utils.format_resources(resources)
        if had_candidates:
            excluded = sorted(set(request_spec.ignore_hosts))
            if request_spec.requested_host:
                return ('The requested host %s cannot take %s with the '
                        'required traits %s.' % (
                            request_spec.requested_host, wanted,
                            _list(request_spec.root_required)))
            return ('Every host able to take %s is excluded (%s).'
                    % (wanted, ', '.join(excluded)))
        missing = sorted(
            trait for trait in request_spec.root_required
            if not self.report_client.providers_with_traits([trait]))
        if missing:
            return ('No host reports the required trait(s) %s.'
                    % ', '.join(missing))
        if request_spec.root_required or request_spec.root_forbidden:
            return ('No host with the traits %s has room for %s.' % (
                utils.format_traits(request_spec.root_required,
                                    request_spec.root_forbidden), wanted))
        return 'No host has room for %s.' % wanted


def _root_of(allocations, summaries):
    """The root provider of an allocation request."""
    rp_uuid = next(iter(allocations))
    return summaries.get(rp_uuid, {}).get('root_provider_uuid', rp_uuid)


def _unknown_resource_class(exc):
    """The resource class Placement said it does not know, if that was it.

    Placement answers 400 when a request names a custom resource class no
    provider has ever reported (for example a vPMEM label no host has).
    """
    detail = exc.kwargs.get('detail', '')
    if exc.kwargs.get('status') != 400 or 'No such resource class' not in (
            detail):
        return None
    return detail.rsplit(' ', 1)[-1].strip('.') or detail


def _free(summaries, rp_uuid, rc):
    res = summaries.get(rp_uuid, {}).get('resources', {}).get(rc)
    if not res:
        return 0
    return res['capacity'] - res['used']


def _list(traits):
    return ', '.join(sorted(traits)) or '(none)'
