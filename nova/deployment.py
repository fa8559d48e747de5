"""A whole deployment in one process: API, conductor, scheduler, computes.

The services share one database (``[database] connection``) and one
Placement (any SchedulerReportClient); each compute host has its own
libvirt connection and its own ``[libvirt]`` options.
"""

from oslo_config import cfg

from nova.compute import api as compute_api
from nova.compute import manager as compute_manager
from nova.compute import rpcapi as compute_rpcapi
from nova.compute import service_status
from nova.conductor import manager as conductor_manager
import nova.conf
from nova.conf import base as base_conf
from nova.conf import libvirt as libvirt_conf
from nova.scheduler import manager as scheduler_manager
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host as libvirt_host

CONF = nova.conf.CONF


def host_conf(libvirt_opts=None, base=CONF):
    """A ConfigOpts for one compute host.

    It starts from ``base``'s ``[DEFAULT]`` and ``[libvirt]`` values and
    applies ``libvirt_opts`` ({option: value}) on top; an unknown option
    or a bad value raises oslo.config's error naming it.
    """
    conf = cfg.ConfigOpts()
    base_conf.register_opts(conf)
    # By group name, not the module's OptGroup: oslo.config copies a group
    # object shallowly, so every ConfigOpts registered with it would share
    # one per-option state -- overrides included -- and the last host's
    # [libvirt] values would silently apply to every host.
    conf.register_opts(libvirt_conf.ALL_OPTS,
                       group=libvirt_conf.libvirt_group.name)
    conf([], project='nova', default_config_files=[])
    for opt in base_conf.ALL_OPTS:
        conf.set_override(opt.dest, getattr(base, opt.dest))
    for opt in libvirt_conf.ALL_OPTS:
        conf.set_override(opt.dest, getattr(base.libvirt, opt.dest),
                          group='libvirt')
    for name, value in (libvirt_opts or {}).items():
        if not hasattr(conf.libvirt, name):
            raise cfg.NoSuchOptError(name, group=libvirt_conf.libvirt_group)
        conf.set_override(name, value, group='libvirt')
    return conf


class Deployment(object):

    def __init__(self, ctxt, report_client):
        self.ctxt = ctxt
        self.reportclient = report_client
        self.services = service_status.ServiceRegistry()
        self.compute_rpcapi = compute_rpcapi.ComputeAPI(self.services)
        self.scheduler = scheduler_manager.SchedulerManager(
            report_client, service_is_up=self.compute_rpcapi.is_up,
            service_is_enabled=self._enabled)
        self.conductor = conductor_manager.ComputeTaskManager(
            self.compute_rpcapi, self.scheduler, report_client)
        self.api = compute_api.API(self.scheduler, self.compute_rpcapi,
                                   self.conductor)

    def _enabled(self, host):
        return not self.services.is_disabled(host)

    def add_compute(self, name, uri=None, libvirt_opts=None, runner=None):
        """Start the compute service of host ``name``; returns it."""
        conf = host_conf(libvirt_opts)
        host = libvirt_host.Host(uri or conf.libvirt.connection_uri or
                                 'sim://%s/system' % name)
        driver = libvirt_driver.LibvirtDriver(host, conf, runner=runner)
        manager = compute_manager.ComputeManager(
            name, driver, self.reportclient, self.compute_rpcapi)
        self.compute_rpcapi.register(manager)
        manager.init_host(self.ctxt)
        return manager

    def compute(self, name):
        return self.compute_rpcapi.service(name)

    @property
    def computes(self):
        return [self.compute(name) for name in self.compute_rpcapi.hosts()]

    def audit(self):
        """Run every up compute's periodic resource audit."""
        for manager in self.computes:
            if manager.service_up:
                manager.update_available_resource(self.ctxt)

    def service_down(self, name):
        self.compute(name).service_up = False

    def service_up(self, name):
        """Bring a host's service back; it cleans up what moved away."""
        self.compute(name).init_host(self.ctxt)
