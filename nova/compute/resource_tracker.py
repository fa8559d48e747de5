"""What one compute host has promised: instances, moves and vPMEM devices.

Every claim and every release runs under the host's one fair lock, so
claims racing on a host are decided one after the other and never
oversubscribe it.  Moves (live migration, evacuation) claim through one
path: the usage is counted on the destination from the claim on, and the
claimed NUMA topology and vPMEM namespaces are persisted with the instance
as its MigrationContext so every service sees the same devices.

The periodic audit (update_available_resource) rebuilds the usage from the
database -- instances on the host, incoming moves with what they claimed,
outgoing moves with what they held -- and reports inventory and traits to
Placement.
"""

import functools

from oslo_concurrency import lockutils
from oslo_log import log as logging
from oslo_utils import uuidutils

from nova.compute import claims
from nova import exception
from nova import objects
from nova.objects import fields
from nova.scheduler import utils as scheduler_utils
from nova.virt import hardware
from nova.virt.libvirt import vpmem

LOG = logging.getLogger(__name__)

#: Prefix of the lock every claim of a host takes (one lock per host).
COMPUTE_RESOURCE_SEMAPHORE = 'compute_resources'


def _synchronized(fn):
    @functools.wraps(fn)
    def locked(self, *args, **kwargs):
        with lockutils.lock(self.lock_name, fair=True):
            return fn(self, *args, **kwargs)
    return locked


class ResourceTracker(object):

    def __init__(self, host, driver, report_client, nodename=None):
        self.host = host
        self.nodename = nodename or host
        self.driver = driver
        self.reportclient = report_client
        self.lock_name = '%s-%s' % (COMPUTE_RESOURCE_SEMAPHORE, host)
        self.compute_node = None
        #: {label: [LibvirtVPMEMDevice]} this host offers.
        self.vpmems = {}
        #: {instance uuid: Usage} of instances living here.
        self.tracked_instances = {}
        #: {migration uuid: (instance uuid, Usage)} of moves coming here.
        self.tracked_migrations = {}
        #: {namespace name: LibvirtVPMEMDevice} that still hold a former
        #: guest's data because zeroing failed: reserved in Placement and
        #: never assigned until an audit zeroes them.
        self.quarantined = {}

    # -- views ------------------------------------------------------------

    @property
    def usage(self):
        total = claims.Usage()
        for usage in self.tracked_instances.values():
            total += usage
        for _uuid, usage in self.tracked_migrations.values():
            total += usage
        return total

    def _capacity(self):
        node = self.compute_node
        return {
            'vcpus': int(node.vcpus * node.cpu_allocation_ratio),
            'memory_mb': int(node.memory_mb * node.ram_allocation_ratio
                             - node.reserved_host_memory_mb),
            'disk_gb': int(node.local_gb * node.disk_allocation_ratio),
        }

    def _check_fits(self, instance, usage):
        if self.compute_node is None:
            raise exception.ComputeResourcesUnavailable(
                host=self.host, instance_uuid=instance.uuid,
                reason='the host has not reported its resources yet')
        used = self.usage
        for name, capacity in self._capacity().items():
            wanted = getattr(usage, name)
            free = capacity - getattr(used, name)
            if wanted > free:
                raise exception.ComputeResourcesUnavailable(
                    host=self.host, instance_uuid=instance.uuid,
                    reason='%s %d wanted, %d free of %d' % (
                        name, wanted, free, capacity))

    def _assign_vpmems(self, instance, allocations):
        labels = hardware.get_vpmem_labels(instance.flavor)
        if not labels:
            return None
        allocated = (allocations or {}).get(
            self.compute_node.uuid, {}).get('resources', {})
        return vpmem.assign(
            instance.uuid, self.host, labels, self.vpmems,
            self.compute_node.uuid,
            {rc: n for rc, n in allocated.items()
             if rc.startswith(scheduler_utils.PMEM_RC_PREFIX)},
            self.usage.namespaces | set(self.quarantined))

    # -- building an instance here ------------------------------------------

    @_synchronized
    def instance_claim(self, ctxt, instance, allocations):
        """Claim the flavor (and vPMEM from ``allocations``) for a build.

        Sets the instance's host, node, resources and NUMA topology and
        saves it; returns a Claim to use as a context manager.
        """
        resources = self._assign_vpmems(instance, allocations)
        usage = claims.Usage.of(instance.flavor, resources)
        self._check_fits(instance, usage)
        instance.host, instance.node = self.host, self.nodename
        instance.resources = resources
        instance.numa_topology = hardware.numa_topology_from_flavor(
            instance.flavor)
        instance.save()
        self.tracked_instances[instance.uuid] = usage
        LOG.info('Claimed %s for %s on %s', usage, instance.uuid, self.host)
        return claims.Claim(self, instance, usage)

    @_synchronized
    def abort_instance_claim(self, instance):
        """Release a build's claim; the instance no longer lives here."""
        self.tracked_instances.pop(instance.uuid, None)
        if instance.host == self.host:
            instance.host = instance.node = None
            instance.resources = None
            instance.save()

    @_synchronized
    def forget_instance(self, instance):
        """The instance was deleted: it no longer counts here."""
        self.tracked_instances.pop(instance.uuid, None)

    # -- moves ------------------------------------------------------------

    def live_migration_claim(self, ctxt, instance, migration, allocations):
        """Claim a live migration's destination (any instance, NUMA or
        not) and persist the MigrationContext.
        """
        return self._move_claim(instance, migration, allocations)

    def rebuild_claim(self, ctxt, instance, migration, allocations):
        """Claim an evacuation's destination, as live_migration_claim."""
        return self._move_claim(instance, migration, allocations)

    @_synchronized
    def _move_claim(self, instance, migration, allocations):
        if migration.dest_compute not in (None, self.host):
            raise exception.ComputeResourcesUnavailable(
                host=self.host, instance_uuid=instance.uuid,
                reason='migration %s goes to %s' % (
                    migration.uuid, migration.dest_compute))
        new_resources = self._assign_vpmems(instance, allocations)
        usage = claims.Usage.of(instance.flavor, new_resources)
        self._check_fits(instance, usage)
        instance.migration_context = objects.MigrationContext(
            instance_uuid=instance.uuid, migration_id=migration.id,
            old_numa_topology=instance.numa_topology,
            new_numa_topology=hardware.numa_topology_from_flavor(
                instance.flavor),
            old_resources=instance.resources,
            new_resources=new_resources)
        instance.save()
        migration.dest_compute, migration.dest_node = (self.host,
                                                       self.nodename)
        migration.status = fields.MigrationStatus.ACCEPTED
        try:
            migration.save()
        except Exception:
            instance.drop_migration_context()
            raise
        self.tracked_migrations[migration.uuid] = (instance.uuid, usage)
        LOG.info('Claimed %s for the %s of %s on %s', usage,
                 migration.migration_type, instance.uuid, self.host)
        return claims.MoveClaim(self, instance, usage, migration)

    @_synchronized
    def drop_move_claim(self, instance, migration):
        """Release what a move holds on this host.

        On the destination (rollback): the claimed usage and the migration
        context.  On the source (success): the usage the instance had here.
        """
        if self.host == migration.dest_compute:
            self.tracked_migrations.pop(migration.uuid, None)
            ctx = instance.migration_context
            if ctx is not None and ctx.migration_id == migration.id:
                instance.drop_migration_context()
        elif self.host == migration.source_compute:
            self.tracked_instances.pop(instance.uuid, None)

    @_synchronized
    def finish_move_claim(self, instance, migration):
        """The move succeeded: the instance lives here with what it claimed.

        Applies the migration context, moves the instance's host and node
        here, drops the context and saves, all in one write.
        """
        _uuid, usage = self.tracked_migrations.pop(
            migration.uuid, (instance.uuid, None))
        if usage is None:
            usage = claims.Usage.of(
                instance.flavor, instance.migration_context.new_resources
                if instance.migration_context else instance.resources)
        instance.apply_migration_context()
        instance.host, instance.node = self.host, self.nodename
        instance.migration_context = None
        instance.save()
        self.tracked_instances[instance.uuid] = usage

    # -- vPMEM cleanup ------------------------------------------------------

    def zero_or_quarantine(self, devices):
        """Zero namespaces a guest used; keep the ones that fail out of use.

        A namespace whose zeroing fails still holds the guest's data, so it
        is quarantined: reserved in Placement and never assigned, until an
        audit zeroes it.  Returns the devices quarantined.
        """
        failed = []
        for device in devices:
            try:
                self.driver.cleanup_vpmems_devices([device])
            except exception.PmemCommandFailed as exc:
                LOG.error('Could not zero vPMEM namespace %s on %s (%s); '
                          'it stays reserved until zeroed', device.name,
                          self.host, exc)
                failed.append(device)
        with lockutils.lock(self.lock_name, fair=True):
            for device in devices:
                self.quarantined.pop(device.name, None)
            for device in failed:
                self.quarantined[device.name] = device
        return failed

    def _inventory_extra(self):
        inventory = vpmem.inventory(self.vpmems)
        for device in self.quarantined.values():
            rc = scheduler_utils.pmem_resource_class(device.label)
            if rc in inventory:
                inventory[rc]['reserved'] += 1
        return inventory

    # -- audit ------------------------------------------------------------

    @_synchronized
    def update_available_resource(self, ctxt):
        """Re-read the hypervisor and the database; report to Placement."""
        resources = self.driver.get_available_resource(self.nodename)
        self.vpmems = self.driver.get_vpmems()
        self._retry_quarantined()
        self._sync_compute_node(ctxt, resources)
        self._audit(ctxt)
        self.reportclient.sync_compute_node(
            self.compute_node, sorted(self.driver.get_traits()),
            extra_inventory=self._inventory_extra())
        return self.compute_node

    def _retry_quarantined(self):
        for name, device in list(self.quarantined.items()):
            try:
                self.driver.cleanup_vpmems_devices([device])
            except exception.PmemCommandFailed as exc:
                LOG.warning('vPMEM namespace %s on %s is still not zeroed: '
                            '%s', name, self.host, exc)
            else:
                LOG.info('Zeroed quarantined vPMEM namespace %s on %s',
                         name, self.host)
                del self.quarantined[name]

    def _sync_compute_node(self, ctxt, resources):
        try:
            node = objects.ComputeNode.get_by_host_and_nodename(
                ctxt, self.host, self.nodename)
        except exception.ComputeHostNotFound:
            node = objects.ComputeNode(
                context=ctxt, uuid=resources.get(
                    'uuid') or uuidutils.generate_uuid(),
                host=self.host, hypervisor_hostname=self.nodename,
                vcpus=resources['vcpus'], memory_mb=resources['memory_mb'],
                local_gb=resources['local_gb'])
            node.create()
        for name in ('vcpus', 'memory_mb', 'local_gb'):
            if getattr(node, name) != resources[name]:
                setattr(node, name, resources[name])
        node.save()
        self.compute_node = node

    def _audit(self, ctxt):
        instances = {}
        for inst in objects.Instance.get_by_host(ctxt, self.host):
            if inst.node in (None, self.nodename):
                instances[inst.uuid] = claims.Usage.of(inst.flavor,
                                                       inst.resources)
        migrations = {}
        for mig in objects.Migration.get_in_progress_by_host_and_node(
                ctxt, self.host, self.nodename):
            try:
                inst = objects.Instance.get_by_uuid(ctxt, mig.instance_uuid)
            except exception.InstanceNotFound:
                continue
            ctx = inst.migration_context
            if ctx is None or ctx.migration_id != mig.id:
                continue  # not claimed yet, or already finished
            if inst.host == self.host:
                continue  # counted above, as an instance living here
            if mig.dest_compute == self.host:
                migrations[mig.uuid] = (inst.uuid, claims.Usage.of(
                    inst.flavor, ctx.new_resources))
            elif mig.source_compute == self.host:
                instances[inst.uuid] = claims.Usage.of(inst.flavor,
                                                       ctx.old_resources)
        if (instances != self.tracked_instances
                or migrations != self.tracked_migrations):
            LOG.info('Audit of %s: %d instances, %d incoming moves',
                     self.host, len(instances), len(migrations))
        self.tracked_instances = instances
        self.tracked_migrations = migrations
