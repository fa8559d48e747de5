"""The services as processes of their own (oslo.service, threading).

``nova-conductor`` (with the scheduler inside: its only state is in
Placement) and one ``nova-compute`` per host, each a process configured by
``--config-file``, talking over oslo.messaging (``[DEFAULT]
transport_url``), writing a heartbeat every ``report_interval`` seconds.
The conductor holds the database credentials; a compute service has
none: its objects are persisted by the conductor.

Import this module only after :func:`nova.cmd.common.init_backend` chose
oslo.service's threading backend.
"""

import time

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import loopingcall
from oslo_service import service

from nova.compute import manager as compute_manager
from nova.compute import rpcapi as compute_rpcapi
from nova.compute import service_status
import nova.conf
from nova.conductor import rpcapi as conductor_rpcapi
from nova import context as nova_context
from nova import deployment
from nova import exception
from nova.objects import base as objects_base
from nova import rpc
from nova.scheduler.client import placement
from nova.scheduler import manager as scheduler_manager
from nova import servicegroup
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host as libvirt_host

LOG = logging.getLogger(__name__)
CONF = nova.conf.CONF
#: Seconds before the first heartbeat (the service registers at start).
INITIAL_REPORTING_DELAY = 1


def check_database(binary, url):
    """Refuse a SQLite database for a service beside other processes."""
    if url and url.split(':', 1)[0].startswith('sqlite'):
        raise exception.MultiProcessSQLite(url=url, binary=binary)


def check_transport(binary):
    if not CONF.transport_url:
        raise exception.InvalidInput(
            reason='%s needs [DEFAULT] transport_url (for example '
                   'rabbit://guest:guest@127.0.0.1:5672/): the services of '
                   'separate processes talk over oslo.messaging' % binary)


class Service(service.Service):
    """One RPC service: transport, endpoints, heartbeat."""

    topic = None
    binary = None

    def __init__(self, host):
        super().__init__()
        self.host = host
        self.ctxt = nova_context.get_admin_context()
        self.transport = self.server = self.heartbeat = None
        self.service_ref = None
        self._forced_down = False
        self._placement = None
        self.reportclient = None

    # -- what each service provides --------------------------------------

    def prepare(self):
        """Set up the process (database access, indirection)."""

    def endpoints(self):
        raise NotImplementedError()

    def before_serving(self):
        """Start-up work before the first request is taken."""

    # -- life ----------------------------------------------------------------

    def start(self):
        # Everything is made here, in the worker process cotyledon forked.
        self.transport = rpc.get_transport(CONF)
        self.prepare()
        self._placement = placement.report_client(CONF)
        self.reportclient = self._placement.__enter__()
        endpoints = self.endpoints()
        self.before_serving()
        # Registered (and so "up") once ready to take requests.
        self.service_ref = servicegroup.register(self.ctxt, self.host,
                                                 self.binary)
        self.server = rpc.get_server(
            self.transport, messaging.Target(topic=self.topic,
                                             server=self.host),
            endpoints, self.binary)
        self.server.start()
        self._last_report = time.monotonic()
        self._forced_down = self.service_ref.forced_down
        self.heartbeat = loopingcall.FixedIntervalLoopingCall(self._report)
        self.heartbeat.start(interval=CONF.report_interval,
                             initial_delay=INITIAL_REPORTING_DELAY)
        LOG.info('%s on %s is READY', self.binary, self.host)

    def _report(self):
        try:
            self.service_ref.heartbeat()
        except Exception as exc:
            # The conductor (or the database) is away; keep trying.
            LOG.warning('Heartbeat of %s on %s failed (lost connection to '
                        'the conductor or the database?): %s', self.binary,
                        self.host, exc)
            return
        now = time.monotonic()
        silent = now - self._last_report
        self._last_report = now
        was_forced_down = self._forced_down
        self._forced_down = self.service_ref.forced_down
        if silent > CONF.service_down_time:
            # Cut off long enough to have been seen down (a heartbeat can
            # also block while the broker is unreachable rather than fail).
            LOG.warning('%s on %s reports again after %.0f s of silence',
                        self.binary, self.host, silent)
            self.reconnected()
        elif was_forced_down and not self._forced_down:
            # An operator said the host was fenced, then took it back:
            # its instances may have been evacuated meanwhile.
            LOG.warning('%s on %s is no longer forced down', self.binary,
                        self.host)
            self.reconnected()

    def reconnected(self):
        """The service was cut off and is back."""

    def stop(self, graceful=True):
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self.server is not None:
            self.server.stop()
            self.server.wait()
        if self._placement is not None:
            self._placement.__exit__(None, None, None)
        if self.transport is not None:
            self.transport.cleanup()
        super().stop(graceful)


class ConductorService(Service):
    topic = conductor_rpcapi.TOPIC
    binary = 'nova-conductor'

    def prepare(self):
        check_database(self.binary, CONF.database.connection)

    def endpoints(self):
        group = servicegroup.DBServiceGroup(CONF.report_interval,
                                            CONF.service_down_time)
        computes = compute_rpcapi.ComputeAPI(self.transport, group)
        # Hosts an operator disabled through the API get no new move.
        settings = service_status.DBServiceRegistry(group)
        scheduler = scheduler_manager.SchedulerManager(
            self.reportclient, service_is_up=computes.is_up,
            service_is_enabled=settings.is_enabled)
        endpoints = deployment.conductor_endpoints(
            computes, scheduler, self.reportclient, host=self.host)
        self.task_manager = endpoints[1]
        return endpoints

    def before_serving(self):
        self.task_manager.init_host(self.ctxt)


class ComputeService(Service):
    topic = compute_rpcapi.TOPIC
    binary = compute_rpcapi.BINARY

    def prepare(self):
        # No database here: every object goes to the conductor.
        conductor_rpcapi.block_database(self.binary)
        objects_base.NovaObject.indirection_api = (
            conductor_rpcapi.ConductorAPI(self.transport))

    def endpoints(self):
        group = servicegroup.DBServiceGroup(CONF.report_interval,
                                            CONF.service_down_time)
        host = libvirt_host.Host(CONF.libvirt.connection_uri or None)
        driver = libvirt_driver.LibvirtDriver(host, CONF)
        self.manager = compute_manager.ComputeManager(
            self.host, driver, self.reportclient,
            compute_rpcapi.ComputeAPI(self.transport, group))
        return [self.manager]

    def before_serving(self):
        self.manager.init_host(self.ctxt)

    def reconnected(self):
        # While this host was cut off it may have been declared down and
        # its instances evacuated: their old guests here must go first.
        try:
            self.manager.destroy_evacuated_guests(self.ctxt)
            self.manager.update_available_resource(self.ctxt)
        except Exception:
            LOG.exception('Could not clean up evacuated guests on %s',
                          self.host)


def launch(svc):
    """Run ``svc`` under oslo.service until it is told to stop."""
    launcher = service.launch(CONF, svc, workers=1,
                              restart_method='mutate')
    launcher.wait()
