"""Reaching the compute service of a host.

The services of one deployment run in one process, so a call is a direct
method call on that host's ComputeManager.  Like an RPC, it hands the
callee copies of the objects, never the caller's own: what a service
changes reaches others only through the database (callers refresh).
"""

from oslo_log import log as logging

from nova.compute import service_status
from nova import exception
from nova.objects import base

LOG = logging.getLogger(__name__)

#: The methods other services may call on a compute manager.
METHODS = frozenset((
    'build_and_run_instance',
    'terminate_instance',
    'check_can_live_migrate_destination',
    'pre_live_migration',
    'live_migration',
    'post_live_migration_at_destination',
    'rollback_live_migration_at_destination',
    'live_migration_force_complete',
    'live_migration_abort',
    'rebuild_instance',
    'guest_power_state',
    'hypervisor_guests',
))


def _copy(value):
    if isinstance(value, base.NovaObject):
        return value.obj_clone()
    return value


class ComputeAPI(object):

    def __init__(self, service_registry=None):
        self._services = {}
        #: Operators' settings (nova.compute.service_status); a forced-down
        #: service counts as down.
        self.service_registry = service_registry

    def register(self, manager):
        self._services[manager.host] = manager
        if self.service_registry is not None:
            self.service_registry.ensure(service_status.COMPUTE,
                                         manager.host)

    def hosts(self):
        return sorted(self._services)

    def service(self, host):
        """The ComputeManager of ``host`` (for the deployment's owner)."""
        try:
            return self._services[host]
        except KeyError:
            raise exception.ComputeServiceUnavailable(host=host)

    def is_up(self, host):
        manager = self._services.get(host)
        if manager is None or not manager.service_up:
            return False
        return not (self.service_registry is not None and
                    self.service_registry.is_forced_down(host))

    def call(self, host, method, *args, **kwargs):
        """Run ``method`` on the compute service of ``host``.

        Raises ComputeServiceUnavailable when the host has no service or
        its service is down.
        """
        if method not in METHODS:
            raise ValueError('%s is not a compute service method' % method)
        if not self.is_up(host):
            raise exception.ComputeServiceUnavailable(host=host)
        manager = self._services[host]
        return getattr(manager, method)(
            *[_copy(a) for a in args],
            **{k: _copy(v) for k, v in kwargs.items()})
