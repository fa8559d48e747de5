"""The compute service of one host: both halves of every move.

A live migration runs here in this order (the conductor starts it):

destination  check_can_live_migrate_destination -- claim, MigrationContext
destination  pre_live_migration                  -- check the claimed devices
source       live_migration                      -- dest XML, driver job
source       _post_live_migration                -- source cleanup, Placement
destination  post_live_migration_at_destination  -- apply the context

and any failure from the claim on is undone by _rollback_live_migration
(Placement allocation moved back, destination cleaned with the migration
context, the claim and the context dropped) so that nothing is left.
"""

import dataclasses
import functools

from oslo_log import log as logging

from nova.compute import resource_tracker
import nova.conf
from nova import exception
from nova import objects
from nova.objects import fields

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
STATUS = fields.MigrationStatus


def _in_a_live_migration_slot(fn):
    """Run ``fn`` in one of the host's [DEFAULT]
    max_concurrent_live_migrations slots, waiting for one if need be.
    """
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        with self._live_migration_slots:
            return fn(self, *args, **kwargs)
    return wrapper


@dataclasses.dataclass
class LiveMigrateData:
    """What the destination tells the source about the move."""

    dest_host: str
    block_migration: bool = False
    copied_disk_gb: tuple = ()
    vpmem_paths: tuple = ()


class ComputeManager(object):

    def __init__(self, host, driver, report_client, compute_rpcapi,
                 nodename=None, conf=None):
        self.host = host
        self.driver = driver
        self.reportclient = report_client
        self.compute_rpcapi = compute_rpcapi
        self.rt = resource_tracker.ResourceTracker(
            host, driver, report_client, nodename)
        #: False while the service is down (its host failed).
        self.service_up = True
        #: Outcomes of the live migrations this host ran, by migration uuid.
        self.outcomes = {}
        # Outgoing live migrations at once (on the driver's clock, so that
        # a simulated host's waiting migrations let virtual time pass).
        self._live_migration_slots = driver.clock.slots(
            (conf or CONF).max_concurrent_live_migrations)

    # -- service life ------------------------------------------------------

    def init_host(self, ctxt):
        """Start (or restart) the service: audit, then clean what moved.

        Domains of instances that no longer live here (evacuated while the
        host was down) are destroyed, and vPMEM namespaces no instance of
        this host holds are zeroed before anything can claim them.
        """
        self.service_up = True
        self.update_available_resource(ctxt)
        living = {i.uuid for i in objects.Instance.get_by_host(ctxt,
                                                               self.host)}
        for uuid in self.driver.list_instance_uuids():
            if uuid not in living:
                LOG.info('Destroying %s on %s: it lives elsewhere now',
                         uuid, self.host)
                self.driver.destroy_by_uuid(uuid)
        held = self.rt.usage.namespaces
        stale = [dev for devs in self.rt.vpmems.values() for dev in devs
                 if dev.name not in held]
        if stale:
            self.rt.zero_or_quarantine(stale)

    def update_available_resource(self, ctxt):
        return self.rt.update_available_resource(ctxt)

    # -- building -----------------------------------------------------------

    def build_and_run_instance(self, ctxt, instance, allocations):
        """Claim (vPMEM from the allocation) and start the guest."""
        with self.rt.instance_claim(ctxt, instance, allocations):
            try:
                self.driver.spawn(instance)
            except Exception:
                self._cleanup_guest(instance)
                raise
        instance.vm_state = fields.VMState.ACTIVE
        instance.save()
        return instance

    def _cleanup_guest(self, instance):
        """Destroy the domain here and zero its vPMEM (best effort)."""
        try:
            self.driver.destroy(instance)
        except exception.NovaException as exc:
            LOG.warning('Could not destroy %s on %s: %s', instance.uuid,
                        self.host, exc)
        if instance.resources:
            self.rt.zero_or_quarantine(instance.resources.vpmems)

    # -- live migration: destination ---------------------------------------

    def check_can_live_migrate_destination(self, ctxt, instance, migration,
                                           allocations,
                                           block_migration=False):
        """Claim the move here and persist its MigrationContext."""
        instance.refresh()
        with self.rt.live_migration_claim(ctxt, instance, migration,
                                          allocations) as claim:
            if self.driver.has_guest(instance):
                raise exception.MigrationPreCheckError(
                    reason='instance %s already has a domain on %s' % (
                        instance.uuid, self.host))
            new = claim.migration_context.new_resources
            return LiveMigrateData(
                dest_host=self.host, block_migration=block_migration,
                copied_disk_gb=((instance.flavor.disk_gb,)
                                if block_migration else ()),
                vpmem_paths=tuple(d.devpath for d in new.vpmems)
                if new else ())

    def pre_live_migration(self, ctxt, instance, migration, migrate_data):
        """Get ready to receive: the claimed devices must be here."""
        instance.refresh()
        if migrate_data.vpmem_paths:
            self.driver.check_vpmem_paths(migrate_data.vpmem_paths)
        return migrate_data

    def post_live_migration_at_destination(self, ctxt, instance, migration):
        """The guest runs here now: the instance takes what was claimed."""
        instance.refresh()
        migration.refresh()
        self.rt.finish_move_claim(instance, migration)
        instance.task_state = None
        instance.save()

    def rollback_live_migration_at_destination(self, ctxt, instance,
                                               migration):
        """Undo this host's half: no domain, devices zeroed, no claim."""
        instance.refresh()
        migration.refresh()
        ctx = instance.migration_context
        if ctx is not None and ctx.migration_id == migration.id:
            with instance.mutated_migration_context():
                self._cleanup_guest(instance)
        else:
            self.driver.destroy(instance)
        self.rt.drop_move_claim(instance, migration)

    # -- live migration: source --------------------------------------------

    @_in_a_live_migration_slot
    def live_migration(self, ctxt, instance, dest, migration, migrate_data,
                       on_progress=None):
        """Run the migration and settle it, whatever happens.

        Returns the driver's MigrationOutcome; the instance, the migration
        record and Placement are consistent when it returns.
        """
        instance.refresh()
        migration.refresh()

        def save(mig):
            migration.status = mig.status
            for name in ('memory_total', 'memory_processed',
                         'memory_remaining', 'disk_total', 'disk_processed',
                         'disk_remaining'):
                if mig.obj_attr_is_set(name):
                    setattr(migration, name, getattr(mig, name))
            migration.save()
            if on_progress is not None:
                on_progress(migration)

        try:
            migration.status = STATUS.PREPARING
            migration.save()
            self.compute_rpcapi.call(dest, 'pre_live_migration', ctxt,
                                     instance, migration, migrate_data)
            instance.refresh()
            outcome = self.driver.live_migration(
                instance, dest, migration.obj_clone(),
                block_migration=migrate_data.block_migration,
                copied_disk_gb=migrate_data.copied_disk_gb,
                dest_xml=self.driver.destination_xml(instance),
                on_progress=save)
        except Exception as exc:
            LOG.error('Live migration of %s to %s failed before the '
                      'guest moved: %s', instance.uuid, dest, exc)
            self._rollback_live_migration(ctxt, instance, dest, migration,
                                          STATUS.FAILED)
            raise
        self.outcomes[migration.uuid] = outcome
        if outcome.status == STATUS.COMPLETED:
            self._post_live_migration(ctxt, instance, dest, migration)
        else:
            self._rollback_live_migration(ctxt, instance, dest, migration,
                                          outcome.status)
        return outcome

    def _post_live_migration(self, ctxt, instance, dest, migration):
        """Clean the source, settle Placement, hand over to the dest."""
        try:
            self.driver.destroy(instance)
        except exception.NovaException as exc:
            LOG.warning('Could not remove the source domain of %s: %s',
                        instance.uuid, exc)
        if instance.resources:
            self.rt.zero_or_quarantine(instance.resources.vpmems)
        self.rt.drop_move_claim(instance, migration)
        self.reportclient.delete_allocation_for_consumer(migration.uuid)
        try:
            self.compute_rpcapi.call(
                dest, 'post_live_migration_at_destination', ctxt, instance,
                migration)
        except Exception:
            # The guest runs on the destination: record that even though
            # the destination could not finish its half.
            LOG.exception('Destination %s could not finish the migration '
                          'of %s; recording it there', dest, instance.uuid)
            instance.refresh()
            instance.apply_migration_context()
            instance.host = instance.node = dest
            instance.migration_context = None
            instance.task_state = None
            instance.save()
        migration.status = STATUS.COMPLETED
        migration.save()
        LOG.info('Live migration of %s to %s completed', instance.uuid, dest)

    def _rollback_live_migration(self, ctxt, instance, dest, migration,
                                 status):
        """Put everything back as it was before the move was asked."""
        self.reportclient.revert_allocation_for_migration(migration.uuid,
                                                          instance.uuid)
        try:
            self.compute_rpcapi.call(
                dest, 'rollback_live_migration_at_destination', ctxt,
                instance, migration)
        except Exception as exc:
            # The destination is gone: drop what it claimed from here; its
            # audit and start-up clean the rest when it comes back.
            LOG.warning('Destination %s could not roll back %s: %s', dest,
                        instance.uuid, exc)
            instance.refresh()
            instance.migration_context = None
        else:
            instance.refresh()
        instance.task_state = None
        if status == STATUS.ERROR:
            instance.vm_state = fields.VMState.ERROR
        instance.save()
        migration.status = status
        migration.save()
        LOG.info('Live migration of %s to %s rolled back: %s',
                 instance.uuid, dest, status)

    def live_migration_force_complete(self, ctxt, instance):
        self.driver.live_migration_force_complete(instance)

    def live_migration_abort(self, ctxt, instance):
        self.driver.live_migration_abort(instance)

    # -- evacuation: destination -------------------------------------------

    def rebuild_instance(self, ctxt, instance, migration, allocations):
        """Rebuild an evacuated instance here, under a rebuild claim."""
        instance.refresh()
        migration.refresh()
        with self.rt.rebuild_claim(ctxt, instance, migration, allocations):
            with instance.mutated_migration_context():
                try:
                    self.driver.spawn(instance)
                except Exception:
                    self._cleanup_guest(instance)
                    raise
        self.rt.finish_move_claim(instance, migration)
        instance.vm_state = fields.VMState.ACTIVE
        instance.task_state = None
        instance.save()
        return instance
