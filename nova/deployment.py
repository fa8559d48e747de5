"""A whole deployment in one process: API, conductor, scheduler, computes.

The services share one database (``[database] connection``) and one
Placement (any SchedulerReportClient); each compute host has its own
libvirt connection and its own ``[libvirt]`` options.  They talk through
the same RPC APIs as separate processes do, on the local transport
(``nova.rpc``): every message is serialized as on the wire, and a compute
service persists its objects through the conductor, never the database.
"""

from oslo_config import cfg
import oslo_messaging as messaging

from nova.compute import api as compute_api
from nova.compute import manager as compute_manager
from nova.compute import rpcapi as compute_rpcapi
from nova.compute import service_status
from nova.conductor import manager as conductor_manager
from nova.conductor import rpcapi as conductor_rpcapi
import nova.conf
from nova.conf import base as base_conf
from nova.conf import compute as compute_conf
from nova.conf import libvirt as libvirt_conf
from nova import exception
from nova import rpc
from nova.scheduler import manager as scheduler_manager
from nova import servicegroup
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host as libvirt_host

CONF = nova.conf.CONF
#: The host the embedded deployment's conductor and scheduler are listed on.
CONTROLLER_HOST = 'controller'


def host_conf(libvirt_opts=None, base=CONF, default_opts=None):
    """A ConfigOpts for one compute host.

    It starts from ``base``'s ``[DEFAULT]`` and ``[libvirt]`` values and
    applies ``libvirt_opts`` and ``default_opts`` ({option: value}, for
    ``[libvirt]`` and ``[DEFAULT]``) on top; an unknown option or a bad
    value raises oslo.config's error naming it.
    """
    conf = cfg.ConfigOpts()
    base_conf.register_opts(conf)
    compute_conf.register_opts(conf)
    # By group name, not the module's OptGroup: oslo.config copies a group
    # object shallowly, so every ConfigOpts registered with it would share
    # one per-option state -- overrides included -- and the last host's
    # [libvirt] values would silently apply to every host.
    conf.register_opts(libvirt_conf.ALL_OPTS,
                       group=libvirt_conf.libvirt_group.name)
    conf([], project='nova', default_config_files=[])
    for opt in base_conf.ALL_OPTS + compute_conf.ALL_OPTS:
        conf.set_override(opt.dest, getattr(base, opt.dest))
    for name, value in (default_opts or {}).items():
        if name not in {o.dest for o in compute_conf.ALL_OPTS}:
            raise cfg.NoSuchOptError(name)
        conf.set_override(name, value)
    for opt in libvirt_conf.ALL_OPTS:
        conf.set_override(opt.dest, getattr(base.libvirt, opt.dest),
                          group='libvirt')
    for name, value in (libvirt_opts or {}).items():
        if not hasattr(conf.libvirt, name):
            raise cfg.NoSuchOptError(name, group=libvirt_conf.libvirt_group)
        conf.set_override(name, value, group='libvirt')
    return conf


def conductor_endpoints(compute_api_client, scheduler, report_client,
                        clock=None, host=None):
    """The conductor's endpoints: object indirection and move tasks.

    ``clock``: the simulated hosts' clock in the embedded default (host
    drains wait on it); None for real time.  ``host``: the conductor's
    host name (CONTROLLER_HOST when None).
    """
    return [conductor_manager.ConductorManager(),
            conductor_manager.ComputeTaskManager(
                compute_api_client, scheduler, report_client, clock=clock,
                host=host or CONTROLLER_HOST)]


class Deployment(object):

    def __init__(self, ctxt, report_client, async_casts=False, clock=None):
        """``clock``: the clock of the simulated hosts (see
        conductor_endpoints), None when time passes by itself.
        """
        self.ctxt = ctxt
        self.reportclient = report_client
        self.transport = rpc.LocalTransport(async_casts=async_casts)
        conductor_rpcapi.use_local_indirection()
        self.servicegroup = servicegroup.LocalServiceGroup(self.transport)
        self.services = service_status.ServiceRegistry()
        # The scheduler runs inside the conductor (and the API); both are
        # listed, as operators of an embedded cloud expect them.
        for binary in ('nova-conductor', 'nova-scheduler'):
            self.services.ensure(binary, CONTROLLER_HOST)
        self.compute_rpcapi = compute_rpcapi.ComputeAPI(
            self.transport, self.servicegroup, self.services)
        self.scheduler = scheduler_manager.SchedulerManager(
            report_client, service_is_up=self.compute_rpcapi.is_up,
            service_is_enabled=self.services.is_enabled)
        endpoints = conductor_endpoints(self.compute_rpcapi, self.scheduler,
                                        report_client, clock=clock)
        #: The conductor's move tasks (its ``clock`` follows the hosts').
        self.task_manager = endpoints[1]
        self._conductor = rpc.get_server(
            self.transport, messaging.Target(topic=conductor_rpcapi.TOPIC,
                                             server='conductor'),
            endpoints, 'nova-conductor')
        self._conductor.start()
        self.conductor = conductor_rpcapi.ComputeTaskAPI(self.transport)
        self.api = compute_api.API(self.scheduler, self.compute_rpcapi,
                                   self.conductor)
        self._managers = {}
        self._servers = {}

    def add_compute(self, name, uri=None, libvirt_opts=None, runner=None,
                    default_opts=None):
        """Start the compute service of host ``name``; returns it."""
        conf = host_conf(libvirt_opts, default_opts=default_opts)
        host = libvirt_host.Host(uri or conf.libvirt.connection_uri or
                                 'sim://%s/system' % name)
        driver = libvirt_driver.LibvirtDriver(host, conf, runner=runner)
        manager = compute_manager.ComputeManager(
            name, driver, self.reportclient, self.compute_rpcapi,
            conf=conf)
        server = rpc.get_server(
            self.transport, messaging.Target(topic=compute_rpcapi.TOPIC,
                                             server=name),
            [manager], compute_rpcapi.BINARY)
        self._managers[name] = manager
        self._servers[name] = server
        self.services.ensure(service_status.COMPUTE, name)
        self._start(name)
        return manager

    def _start(self, name):
        server = self._servers[name]
        # As in its own process: start-up work first, as the compute
        # service (no database), then the requests.
        with rpc.serving(server):
            self._managers[name].init_host(self.ctxt)
        server.start()

    def compute(self, name):
        try:
            return self._managers[name]
        except KeyError:
            raise exception.ComputeServiceUnavailable(host=name)

    @property
    def computes(self):
        return [self._managers[name] for name in sorted(self._managers)]

    def is_up(self, name):
        return self.compute_rpcapi.is_up(name)

    def audit(self):
        """Run every up compute's periodic resource audit."""
        for name, manager in sorted(self._managers.items()):
            if self.is_up(name):
                with rpc.serving(self._servers[name]):
                    manager.update_available_resource(self.ctxt)

    def service_down(self, name):
        """The host's service stops answering (its host failed)."""
        self._servers[name].stop()

    def service_up(self, name):
        """Bring a host's service back; it cleans up what moved away."""
        self._start(name)


class RemoteDeployment(object):
    """The deployment as an API process of a multi-process cloud sees it.

    Every service runs in a process of its own and is reached over
    oslo.messaging (``[DEFAULT] transport_url``); liveness comes from the
    heartbeats and the operators' settings from the ``services`` table;
    the scheduler (for boots) runs here against Placement, as in the
    conductor.  Nothing of a compute service runs in this process.
    ``report_client``: an open Placement client.
    """

    def __init__(self, report_client, conf=CONF, transport=None):
        self.reportclient = report_client
        self.transport = transport or rpc.get_transport(conf)
        self.servicegroup = servicegroup.DBServiceGroup(
            conf.report_interval, conf.service_down_time)
        self.services = service_status.DBServiceRegistry(self.servicegroup)
        self.compute_rpcapi = compute_rpcapi.ComputeAPI(self.transport,
                                                        self.servicegroup)
        self.scheduler = scheduler_manager.SchedulerManager(
            report_client, service_is_up=self.compute_rpcapi.is_up,
            service_is_enabled=self.services.is_enabled)
        self.conductor = conductor_rpcapi.ComputeTaskAPI(self.transport)
        self.api = compute_api.API(self.scheduler, self.compute_rpcapi,
                                   self.conductor)

    def is_up(self, name):
        return self.compute_rpcapi.is_up(name)

    def service_up(self, name):
        """Nothing to do here: a compute service whose forced-down flag is
        cleared sees it in its next heartbeat and cleans up by itself.
        """

    def close(self):
        self.transport.cleanup()
