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

from oslo_log import log as logging

from nova.compute import power_state
from nova.compute import resource_tracker
from nova.compute import settle
from nova import exception
from nova import objects
from nova.objects import fields

LOG = logging.getLogger(__name__)
STATUS = fields.MigrationStatus


@dataclasses.dataclass
class LiveMigrateData:
    """What the destination tells the source about the move."""

    dest_host: str
    block_migration: bool = False
    copied_disk_gb: tuple = ()
    vpmem_paths: tuple = ()


class ComputeManager(object):

    def __init__(self, host, driver, report_client, compute_rpcapi,
                 nodename=None):
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
        self._sync_power_states(ctxt)

    def _sync_power_states(self, ctxt):
        """Make the database say what the hypervisor knows.

        A guest that stopped while the service was away (its host crashed,
        say) is no longer reported active: a shut-off or crashed domain
        makes the instance ``stopped``, a domain that vanished makes it
        ``error``.  Instances in the middle of a task are left to it.
        """
        for inst in objects.Instance.get_by_host(ctxt, self.host):
            if inst.task_state or inst.vm_state not in (
                    fields.VMState.ACTIVE, fields.VMState.PAUSED):
                continue
            state = self.driver.guest_power_state(inst)
            if state in power_state.ALIVE:
                continue
            new = (fields.VMState.ERROR if state is None
                   else fields.VMState.STOPPED)
            LOG.warning('Instance %s is %s in the database but its guest on '
                        '%s is %s: recording it as %s', inst.uuid,
                        inst.vm_state, self.host, state or 'missing', new)
            inst.vm_state = new
            inst.save(expected_task_state=[None])

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

    def terminate_instance(self, ctxt, instance):
        """Destroy the guest here, zero its vPMEM, release everything."""
        instance.refresh()
        self._cleanup_guest(instance)
        self.rt.forget_instance(instance)
        self.reportclient.delete_allocation_for_consumer(instance.uuid)
        instance.destroy()
        LOG.info('Deleted %s on %s', instance.uuid, self.host)

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
                # Each copied disk sets the monitor's timers on its own
                # (at least 2 GiB each), as upstream counts them.
                copied_disk_gb=(instance.flavor.local_disks_gb
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

    def live_migration(self, ctxt, instance, dest, migration, migrate_data,
                       on_progress=None):
        """Run the migration and settle it, whatever happens.

        How it ended is decided from where the guest actually runs
        (nova.compute.settle), not only from what libvirt reported: a
        guest found running on the destination is never rolled back, one
        found nowhere is never "rolled back" onto the source.  Returns the
        driver's MigrationOutcome (None if the migration never started);
        the instance, the migration record and Placement are consistent
        when it returns.  An error that stopped the migration before the
        guest moved is raised after the rollback.
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

        outcome = error = None
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
            LOG.error('Live migration of %s to %s failed: %s',
                      instance.uuid, dest, exc)
            error = exc
        settlement = self._settle(ctxt, instance, dest, outcome)
        if outcome is not None:
            self.outcomes[migration.uuid] = outcome
            if settlement.status != outcome.status:
                LOG.warning('Live migration of %s reported %s, settled as '
                            '%s: %s', instance.uuid, outcome.status,
                            settlement.status, settlement.reason)
                outcome.settlement = settlement.reason
            outcome.status = settlement.status
        verdict = settlement.verdict
        if verdict is settle.Verdict.COMPLETE:
            self._post_live_migration(ctxt, instance, dest, migration)
        elif verdict is settle.Verdict.HOLD:
            self._hold_live_migration(ctxt, instance, dest, migration,
                                      settlement.reason)
        else:
            self._rollback_live_migration(ctxt, instance, dest, migration,
                                          settlement.status)
        if error is not None and verdict is not settle.Verdict.COMPLETE:
            raise error
        return outcome

    def _locate(self, ctxt, instance, dest):
        """(source state, destination state) of the instance's guest."""
        try:
            source = self.driver.guest_power_state(instance)
        except exception.NovaException as exc:
            LOG.warning('Cannot see %s on this host %s: %s', instance.uuid,
                        self.host, exc)
            source = settle.UNREACHABLE
        try:
            target = self.compute_rpcapi.call(dest, 'guest_power_state',
                                              ctxt, instance)
        except Exception as exc:
            LOG.warning('Cannot see %s on %s: %s', instance.uuid, dest, exc)
            target = settle.UNREACHABLE
        return source, target

    def _settle(self, ctxt, instance, dest, outcome):
        source, target = self._locate(ctxt, instance, dest)
        if outcome is None:
            return settle.settle(source, target, None)
        return settle.settle(source, target, outcome.status,
                             postcopy_started=outcome.postcopy_started,
                             job_ended=outcome.job_ended)

    def guest_power_state(self, ctxt, instance):
        """The power state of the instance's guest on this host (None:
        no domain here).
        """
        return self.driver.guest_power_state(instance)

    def hypervisor_guests(self, ctxt):
        """{instance uuid: power state} of every domain on this host."""
        return self.driver.list_guest_power_states()

    def _hold_live_migration(self, ctxt, instance, dest, migration, reason):
        """Touch no domain: the guest is where only an operator (or a
        recovery) should act.  The instance goes to ERROR with its claims,
        allocations and migration context kept on both hosts.
        """
        LOG.error('Live migration of %s to %s needs an operator: %s. No '
                  'domain was destroyed and both hosts keep their claims; '
                  'see the live-migration monitor guide.', instance.uuid,
                  dest, reason)
        instance.refresh()
        instance.task_state = None
        instance.vm_state = fields.VMState.ERROR
        instance.save()
        migration.status = STATUS.ERROR
        migration.save()

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
