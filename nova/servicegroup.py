"""Is a service up?  Liveness of the services, as Nova's ``db`` driver.

Each service process writes a heartbeat (``last_seen_up``) into its row
of the ``services`` table every ``report_interval`` seconds -- a compute
service through the conductor, like any object it saves.  A service whose
last heartbeat is older than ``service_down_time`` is down, and so is one
an operator forced down.

In the embedded default (every service in one process) a service is up
while its server on the local transport runs: stopping it is what a dead
host looks like there.
"""

from oslo_log import log as logging
from oslo_utils import timeutils

from nova import context as nova_context
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)

TOPICS = {'nova-compute': 'compute', 'nova-conductor': 'conductor',
          'nova-scheduler': 'scheduler'}


def effective_down_time(report_interval, service_down_time):
    """``service_down_time``, raised to 2.5 report intervals when it is not
    longer than one (a service would flap between up and down).
    """
    if service_down_time <= report_interval:
        new = int(report_interval * 2.5)
        LOG.warning('service_down_time (%s s) is not longer than '
                    'report_interval (%s s): using %s s', service_down_time,
                    report_interval, new)
        return new
    return service_down_time


class LocalServiceGroup(object):
    """Liveness on the local transport: a running server is up."""

    def __init__(self, transport):
        self.transport = transport

    def _servers(self, binary):
        topic = TOPICS[binary]
        return {host: server for (t, host), server in
                list(self.transport.servers.items())
                if t == topic and host is not None}

    def hosts(self, binary):
        return sorted(self._servers(binary))

    def is_up(self, binary, host):
        server = self._servers(binary).get(host)
        return server is not None and server.running


class DBServiceGroup(object):
    """Liveness from the heartbeats in the ``services`` table."""

    def __init__(self, report_interval, service_down_time, ctxt=None):
        self.down_time = effective_down_time(report_interval,
                                             service_down_time)
        self.ctxt = ctxt or nova_context.get_admin_context()

    def service_is_up(self, service):
        if service.forced_down:
            return False
        seen = service.last_seen_up or service.updated_at or (
            service.created_at)
        if seen is None:
            return False
        age = abs(timeutils.delta_seconds(
            seen, timeutils.utcnow(with_timezone=True)))
        return age <= self.down_time

    def hosts(self, binary):
        return [svc.host
                for svc in objects.Service.get_all(self.ctxt, binary)]

    def is_up(self, binary, host):
        try:
            service = objects.Service.get_by_host_and_binary(
                self.ctxt, host, binary)
        except exception.ServiceNotFound:
            return False
        return self.service_is_up(service)


def register(ctxt, host, binary):
    """The service's row, created on its first start."""
    try:
        return objects.Service.get_by_host_and_binary(ctxt, host, binary)
    except exception.ServiceNotFound:
        service = objects.Service(context=ctxt, host=host, binary=binary,
                                  topic=TOPICS.get(binary), report_count=0,
                                  forced_down=False)
        service.create()
        return service
