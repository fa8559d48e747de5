"""The compute service's RPC API: what other services ask of a host.

Topic ``compute``, one server per host.  Every method is a ``call`` (the
caller needs the answer) except ``live_migration``, a ``cast`` to the
source as in Nova: the conductor and the API follow the migration through
its database record.  Calls that can take long (the destination's claim,
a rebuild, the hand-over steps of a migration) get ``long_rpc_timeout``
kept alive by ``call_monitor_timeout``, so a dead host is noticed after
``rpc_response_timeout`` while a slow one is waited for.

A call that gets no answer raises ServiceUnreachable, a kind of
ComputeServiceUnavailable naming the host and the method.
"""

from oslo_log import log as logging
import oslo_messaging as messaging

import nova.conf
from nova import exception
from nova import rpc

LOG = logging.getLogger(__name__)
CONF = nova.conf.CONF
BINARY = 'nova-compute'
TOPIC = 'compute'


class ComputeAPI(object):

    def __init__(self, transport, servicegroup, service_registry=None):
        self.transport = transport
        self.servicegroup = servicegroup
        #: Operators' settings (nova.compute.service_status) in the
        #: embedded default; a forced-down service counts as down.
        self.service_registry = service_registry
        self.client = rpc.get_client(
            transport, messaging.Target(topic=TOPIC,
                                        version=rpc.RPC_VERSION),
            timeout=CONF.rpc_response_timeout)

    # -- liveness ---------------------------------------------------------

    def hosts(self):
        """Every host with a compute service, up or down."""
        return self.servicegroup.hosts(BINARY)

    def is_up(self, host):
        if host is None or not self.servicegroup.is_up(BINARY, host):
            return False
        return not (self.service_registry is not None and
                    self.service_registry.is_forced_down(host))

    # -- plumbing ---------------------------------------------------------

    def _prepare(self, host, long=False):
        if long:
            return self.client.prepare(
                server=host, timeout=CONF.long_rpc_timeout,
                call_monitor_timeout=CONF.rpc_response_timeout)
        return self.client.prepare(server=host)

    def _call(self, host, method, ctxt, long=False, **kwargs):
        try:
            return self._prepare(host, long).call(ctxt, method, **kwargs)
        except messaging.MessagingTimeout as exc:
            raise exception.ServiceUnreachable(
                binary=BINARY, host=host, method=method, reason=exc)

    # -- building and deleting --------------------------------------------

    def build_and_run_instance(self, ctxt, host, instance, allocations):
        return self._call(host, 'build_and_run_instance', ctxt, long=True,
                          instance=instance, allocations=allocations)

    def terminate_instance(self, ctxt, host, instance):
        return self._call(host, 'terminate_instance', ctxt, long=True,
                          instance=instance)

    # -- live migration ---------------------------------------------------

    def check_can_live_migrate_destination(self, ctxt, host, instance,
                                           migration, allocations,
                                           block_migration=False):
        return self._call(host, 'check_can_live_migrate_destination', ctxt,
                          long=True, instance=instance, migration=migration,
                          allocations=allocations,
                          block_migration=block_migration)

    def pre_live_migration(self, ctxt, host, instance, migration,
                           migrate_data):
        return self._call(host, 'pre_live_migration', ctxt, long=True,
                          instance=instance, migration=migration,
                          migrate_data=migrate_data)

    def live_migration(self, ctxt, host, instance, dest, migration,
                       migrate_data):
        """Start the migration on the source ``host`` (a cast)."""
        self._prepare(host).cast(ctxt, 'live_migration', instance=instance,
                                 dest=dest, migration=migration,
                                 migrate_data=migrate_data)

    def post_live_migration_at_destination(self, ctxt, host, instance,
                                           migration):
        return self._call(host, 'post_live_migration_at_destination', ctxt,
                          long=True, instance=instance, migration=migration)

    def rollback_live_migration_at_destination(self, ctxt, host, instance,
                                               migration):
        return self._call(host, 'rollback_live_migration_at_destination',
                          ctxt, long=True, instance=instance,
                          migration=migration)

    def live_migration_force_complete(self, ctxt, host, instance):
        return self._call(host, 'live_migration_force_complete', ctxt,
                          instance=instance)

    def live_migration_abort(self, ctxt, host, instance):
        return self._call(host, 'live_migration_abort', ctxt,
                          instance=instance)

    def max_concurrent_live_migrations(self, ctxt, host):
        """The host's [DEFAULT] max_concurrent_live_migrations."""
        return self._call(host, 'max_concurrent_live_migrations', ctxt)

    def live_migration_outcome(self, ctxt, host, migration_uuid):
        """How the source ended a migration (LiveMigrationOutcome), or None
        when it never started or the source no longer knows.
        """
        return self._call(host, 'live_migration_outcome', ctxt,
                          migration_uuid=migration_uuid)

    # -- evacuation -------------------------------------------------------

    def rebuild_instance(self, ctxt, host, instance, migration,
                         allocations):
        return self._call(host, 'rebuild_instance', ctxt, long=True,
                          instance=instance, migration=migration,
                          allocations=allocations)

    # -- looking at a host ------------------------------------------------

    def guest_power_state(self, ctxt, host, instance):
        return self._call(host, 'guest_power_state', ctxt,
                          instance=instance)

    def migration_policy(self, ctxt, host, instance, block_migration=None):
        """The policy ``host`` resolves for ``instance`` (a dict; with
        ``flags`` when ``block_migration`` is given), from the host's own
        configuration.
        """
        return self._call(host, 'migration_policy', ctxt,
                          instance=instance, block_migration=block_migration)

    def hypervisor_guests(self, ctxt, host):
        return self._call(host, 'hypervisor_guests', ctxt)

    def tracked_usage(self, ctxt, host):
        """{'instances': [uuid], 'migrations': [uuid]} the host's resource
        tracker counts (for the consistency audit).
        """
        return self._call(host, 'tracked_usage', ctxt)
