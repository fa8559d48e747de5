"""What the API handlers reach behind the compute API, in one place.

The handlers talk to the compute API (``nova.compute.api.API``), the
objects, and this adapter for everything else: the flavor and image
catalogues (in the database), the services' operator settings, whether a
host is up, and -- asked of the host's compute service, from its own
configuration -- the live-migration policy an instance gets there.

``deployment`` is an embedded ``nova.deployment.Deployment`` (every
service in this process) or a ``nova.deployment.RemoteDeployment`` (the
API of a multi-process deployment): both offer ``api``, ``services``,
``compute_rpcapi``, ``scheduler``, ``reportclient``, ``is_up(host)`` and
``service_up(host)``, and the handlers do not know which they have.
"""

from oslo_log import log as logging

from nova.api.openstack.compute import flavor_store
from nova.api.openstack.image import store as image_store
from nova.compute import service_status
from nova.conductor.tasks import live_migrate
from nova import exception
from nova import objects
from nova.virt import hardware
from nova.virt.libvirt import flags as migrate_flags

LOG = logging.getLogger(__name__)


class Backend(object):

    def __init__(self, deployment, flavors=None, images=None):
        self.deployment = deployment
        self.api = deployment.api
        self.flavors = flavors or flavor_store.FlavorStore()
        self.images = images or image_store.ImageStore()
        self.services = deployment.services
        #: Set by the application (nova.api.openstack.policy.Enforcer).
        self.enforcer = None

    # -- hosts and services -------------------------------------------------

    @property
    def compute_rpcapi(self):
        return self.deployment.compute_rpcapi

    def hosts(self):
        return self.compute_rpcapi.hosts()

    def compute_service(self, host):
        for record in self.services.list():
            if (record.binary, record.host) == (service_status.COMPUTE,
                                                host):
                return record
        return None

    def service_is_up(self, record):
        if record.binary != service_status.COMPUTE:
            return self.services.alive(record)
        return self.compute_rpcapi.is_up(record.host)

    def host_status(self, host):
        """Nova's host_status: UP, DOWN, MAINTENANCE (disabled) or ''."""
        if not host:
            return ''
        record = self.compute_service(host)
        if record is None:
            return 'UNKNOWN'
        if not self.service_is_up(record):
            return 'DOWN'
        return 'MAINTENANCE' if record.disabled else 'UP'

    def update_service(self, record, changes):
        """Apply an operator's change; returns the new record.

        When forced_down goes back to false and the host's service runs,
        it does what a restarted compute service does: guests of
        instances that live elsewhere now are destroyed there.
        """
        old, new = self.services.update(record.uuid, **changes)
        if old.forced_down and not new.forced_down:
            if self.deployment.is_up(new.host):
                LOG.info('%s is no longer forced down: running its start-up '
                         'clean-up', new.host)
                self.deployment.service_up(new.host)
        return new

    def hypervisor_version(self, host):
        return None

    def usages(self, provider_uuid):
        try:
            return self.deployment.reportclient.get_usages(provider_uuid)
        except exception.PlacementAPIError as exc:
            LOG.warning('No usages for provider %s: %s', provider_uuid, exc)
            return {}

    # -- the migration policy ----------------------------------------------

    def _host_policy(self, ctxt, instance, block_migration=None):
        """The policy the instance's host resolves (a dict), asked of its
        compute service; ComputeServiceUnavailable when it cannot answer.
        """
        if not self.compute_rpcapi.is_up(instance.host):
            raise exception.ComputeServiceUnavailable(host=instance.host)
        return self.compute_rpcapi.migration_policy(
            ctxt, instance.host, instance, block_migration=block_migration)

    def migration_policy(self, instance):
        """The policy the instance's host resolves for it (a dict), or
        None when it has no host or the host's service cannot be asked.
        """
        if not instance.host:
            return None
        try:
            doc = self._host_policy(instance._context, instance)
        except exception.ComputeServiceUnavailable:
            return None
        except exception.Invalid as exc:
            return {'error': exc.message}
        doc['host'] = instance.host
        return doc

    def migration_plan(self, ctxt, instance, block_migration=False,
                       host=None):
        """What a live migration of ``instance`` would do now (a dict)."""
        plan = self._host_policy(ctxt, instance, block_migration)
        plan['source'] = instance.host
        plan['block_migration'] = block_migration
        plan['migration_flags'] = migrate_flags.flag_names(
            plan.pop('flags'))
        spec = objects.RequestSpec.from_instance(
            instance, ignore_hosts=[instance.host], requested_host=host)
        if hardware.get_vpmem_labels(instance.flavor):
            spec.root_required = set(spec.root_required) | {
                live_migrate.VPMEM_TRAIT}
        try:
            candidates = self.deployment.scheduler.find_candidates(ctxt,
                                                                   spec)
            plan['hosts'] = [c.host for c in candidates]
            plan['no_valid_host'] = None
        except exception.NoValidHost as exc:
            plan['hosts'] = []
            plan['no_valid_host'] = str(exc)
        plan['required_traits'] = sorted(spec.root_required)
        return plan
