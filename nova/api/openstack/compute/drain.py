"""Extension: POST|GET /os-hypervisors/{hypervisor}/os-drain.

``POST`` (admin; no body, or ``{}``) starts moving every server off the
hypervisor's host by live migration with the purpose ``evacuate-host``
(nova.conductor.tasks.drain: largest memory first, as many at once as
the host's ``max_concurrent_live_migrations``) and answers 202 with the
drain as it stands once its first migrations were asked for, and a
``Location`` to follow it.  ``GET`` answers 200 with the running or last
drain of that host.  ``{hypervisor}`` is a hypervisor's id, its uuid or
its host name.

Refused, with nothing moved: 404 for an unknown hypervisor; 409 when the
host's compute service is down (evacuate its servers instead), when the
host is being drained already, and -- in the embedded cloud of
``nova-live-migration serve`` -- while another host is being drained.
Each migration is also listed by ``GET /os-migrations?source_compute=
HOST`` (``openstack server migration list --host HOST``) with
``OS-EXT-LM:purpose: evacuate-host``.
"""

from nova.api.openstack.compute import views
from nova.api.openstack import wsgi
from nova import objects

DRAIN_PATH = '/os-hypervisors/{hypervisor_id}/os-drain'


def drain_view(drain):
    """The ``drain`` document of a HostDrain."""
    return {
        'host': drain.host,
        'purpose': drain.purpose,
        'state': drain.state,
        'max_concurrent_live_migrations': drain.max_concurrent,
        'order': drain.order,
        'started_at': views.timestamp(drain.started_at),
        'finished_at': views.timestamp(drain.finished_at),
        'elapsed_seconds': drain.elapsed_s,
        'counts': drain.counts(),
        'servers': [{
            'id': entry.instance_uuid,
            'name': entry.name,
            'memory_mb': entry.memory_mb,
            'result': entry.result,
            'migration_uuid': entry.migration_uuid,
            'dest_compute': entry.dest,
            'error': entry.error,
        } for entry in drain.entries],
    }


class DrainAPI(object):

    def __init__(self, backend):
        self.backend = backend

    def routes(self, router):
        router.add('POST', DRAIN_PATH, self.create)
        router.add('GET', DRAIN_PATH, self.show)

    @staticmethod
    def _host(req, hypervisor_id):
        for node in objects.ComputeNode.get_all(req.context):
            if hypervisor_id in (str(node.id), node.uuid,
                                 node.hypervisor_hostname, node.host):
                return node.host
        raise wsgi.not_found('Hypervisor %s could not be found.'
                             % hypervisor_id)

    def create(self, req, hypervisor_id):
        req.authorize('compute:hypervisors:drain')
        if req.body:
            body = req.json_body()
            if body != {}:
                raise wsgi.bad_request(
                    'A drain takes no options: send no body or {}.')
        host = self._host(req, hypervisor_id)
        drain = self.backend.api.drain_host_async(req.context, host)
        location = '%s/v2.1%s' % (req.host_url, DRAIN_PATH.format(
            hypervisor_id=hypervisor_id))
        return wsgi.json_response({'drain': drain_view(drain)}, 202,
                                  [('Location', location)])

    def show(self, req, hypervisor_id):
        req.authorize('compute:hypervisors:drain')
        host = self._host(req, hypervisor_id)
        drain = self.backend.api.drain_status(req.context, host)
        return wsgi.json_response({'drain': drain_view(drain)})
