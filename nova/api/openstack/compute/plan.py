"""Extension: GET /servers/{id}/os-live-migration-plan.

What a live migration of this server would do now, explained as
``nova-live-migration plan`` explains it: the policy the one resolver
decides on its current host (each feature with where the decision came
from), the libvirt flags, the traits the scheduler will require and the
hosts that could take it (nothing is claimed).  Query parameters:
``block_migration=true|false`` (default false) and ``host=NAME`` to
check one destination.
"""

from oslo_utils import strutils

from nova.api.openstack.compute import common
from nova.api.openstack import wsgi
from nova import exception


class PlanAPI(object):

    def __init__(self, backend):
        self.backend = backend

    def routes(self, router):
        router.add('GET', '/servers/{server_id}/os-live-migration-plan',
                   self.show)

    def show(self, req, server_id):
        req.authorize('compute:servers:migration_plan')
        instance = common.get_instance(req, server_id)
        try:
            block = strutils.bool_from_string(
                req.GET.get('block_migration', 'false'), strict=True)
        except ValueError as exc:
            raise wsgi.bad_request('block_migration: %s' % exc)
        host = req.GET.get('host')
        if host is not None and host not in self.backend.hosts():
            raise wsgi.bad_request('Compute host %s could not be found.'
                                   % host)
        if not instance.host:
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, state=instance.vm_state,
                action='a live-migration plan', needed='a host')
        plan = self.backend.migration_plan(req.context, instance, block,
                                           host)
        return wsgi.json_response({'plan': plan})
