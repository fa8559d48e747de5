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

import collections
import functools

from oslo_log import log as logging
import oslo_messaging as messaging

from nova.compute import power_state
from nova.compute import recovery
from nova.compute import resource_tracker
from nova.compute import settle
import nova.conf
from nova import exception
from nova import objects
from nova.objects import fields
from nova import rpc

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
STATUS = fields.MigrationStatus
#: Errors the endpoints raise on purpose: sent to the caller as typed
#: errors, not logged here as failures of the service.
EXPECTED = (exception.NovaException,)


def _in_a_live_migration_slot(fn):
    """Run ``fn`` in one of the host's [DEFAULT]
    max_concurrent_live_migrations slots, waiting for one if need be.
    """
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        with self._live_migration_slots:
            return fn(self, *args, **kwargs)
    return wrapper


#: How many unfetched migration outcomes a compute service keeps.
KEPT_OUTCOMES = 100


def progress_key(instance_uuid):
    """What listeners of the progress of an instance's (one) running
    migration subscribe to.
    """
    return 'migration-progress.%s' % instance_uuid


class ComputeManager(object):

    target = messaging.Target(version=rpc.RPC_VERSION)

    def __init__(self, host, driver, report_client, compute_rpcapi,
                 nodename=None, conf=None):
        self.host = host
        self.driver = driver
        self.reportclient = report_client
        self.compute_rpcapi = compute_rpcapi
        self.rt = resource_tracker.ResourceTracker(
            host, driver, report_client, nodename)
        #: LiveMigrationOutcome of the live migrations this host ran, by
        #: migration uuid, until the caller following it fetched it (the
        #: oldest go first beyond KEPT_OUTCOMES: asynchronous callers
        #: never fetch them).
        self.outcomes = collections.OrderedDict()
        # Outgoing live migrations at once (on the driver's clock, so that
        # a simulated host's waiting migrations let virtual time pass).
        self.max_live_migrations = (
            (conf or CONF).max_concurrent_live_migrations)
        self._live_migration_slots = driver.clock.slots(
            self.max_live_migrations)

    # -- service life ------------------------------------------------------

    def init_host(self, ctxt):
        """Start (or restart) the service: audit, then clean what moved.

        Domains of instances that no longer live here (evacuated while the
        host was down) are destroyed, and vPMEM namespaces no instance of
        this host holds are zeroed before anything can claim them.
        """
        self.update_available_resource(ctxt)
        living = {i.uuid for i in objects.Instance.get_by_host(ctxt,
                                                               self.host)}
        # A domain coming here by a move still under way is not stale.
        living |= {m.instance_uuid for m in
                   objects.Migration.get_in_progress_by_host_and_node(
                       ctxt, self.host, self.rt.nodename)
                   if m.dest_compute == self.host}
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
        recovery.recover_live_migrations(self, ctxt)

    def destroy_evacuated_guests(self, ctxt):
        """Destroy the domains here of instances evacuated away.

        Run when the service finds its way back after a partition: the
        host was seen down, its instances were rebuilt elsewhere, and
        their old guests must not run a second time.  Only instances with
        a completed evacuation from this host that now live elsewhere (or
        were deleted) are touched.
        """
        for uuid in self.driver.list_instance_uuids():
            evacuated = [
                m for m in objects.Migration.get_by_instance(ctxt, uuid)
                if m.migration_type == fields.MigrationType.EVACUATION
                and m.source_compute == self.host
                and m.status == STATUS.COMPLETED]
            if not evacuated:
                continue
            try:
                inst = objects.Instance.get_by_uuid(ctxt, uuid)
            except exception.InstanceNotFound:
                inst = None
            if inst is not None and inst.host == self.host:
                continue
            LOG.warning('Destroying the guest of %s on %s: it was evacuated '
                        'to %s while this host was unreachable', uuid,
                        self.host, inst.host if inst else 'nowhere')
            self.driver.destroy_by_uuid(uuid)

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

    @messaging.expected_exceptions(*EXPECTED)
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

    @messaging.expected_exceptions(*EXPECTED)
    def terminate_instance(self, ctxt, instance):
        """Destroy the guest here, zero its vPMEM, release everything."""
        instance.refresh()
        self._cleanup_guest(instance)
        self.rt.forget_instance(instance)
        self.reportclient.delete_allocation_for_consumer(instance.uuid)
        instance.destroy()
        LOG.info('Deleted %s on %s', instance.uuid, self.host)

    # -- live migration: destination ---------------------------------------

    @messaging.expected_exceptions(*EXPECTED)
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
            return objects.LiveMigrateData(
                dest_host=self.host, block_migration=block_migration,
                # Each copied disk sets the monitor's timers on its own
                # (at least 2 GiB each), as upstream counts them.
                copied_disk_gb=(instance.flavor.local_disks_gb
                                if block_migration else ()),
                vpmem_paths=tuple(d.devpath for d in new.vpmems)
                if new else ())

    @messaging.expected_exceptions(*EXPECTED)
    def pre_live_migration(self, ctxt, instance, migration, migrate_data):
        """Get ready to receive: the claimed devices must be here."""
        instance.refresh()
        if migrate_data.vpmem_paths:
            self.driver.check_vpmem_paths(migrate_data.vpmem_paths)
        return migrate_data

    @messaging.expected_exceptions(*EXPECTED)
    def post_live_migration_at_destination(self, ctxt, instance, migration):
        """The guest runs here now: the instance takes what was claimed."""
        instance.refresh()
        migration.refresh()
        self.rt.finish_move_claim(instance, migration)
        instance.task_state = None
        instance.save()

    @messaging.expected_exceptions(*EXPECTED)
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
    def live_migration(self, ctxt, instance, dest, migration, migrate_data):
        """Run the migration and settle it, whatever happens (a cast).

        How it ended is decided from where the guest actually runs
        (nova.compute.settle), not only from what libvirt reported: a
        guest found running on the destination is never rolled back, one
        found nowhere is never "rolled back" onto the source.  The
        instance, the migration record and Placement are consistent when
        it returns; how it went (a LiveMigrationOutcome) is kept for
        ``live_migration_outcome``.  A request that arrives when the
        migration is no longer waiting for it (the source restarted and
        settled it meanwhile) is ignored.
        """
        instance.refresh()
        migration.refresh()
        if (migration.status != STATUS.ACCEPTED
                or instance.task_state != fields.TaskState.MIGRATING):
            LOG.warning('Ignoring the start of live migration %s of %s: it '
                        'is %s and the instance %s', migration.uuid,
                        instance.uuid, migration.status,
                        instance.task_state or 'idle')
            return
        key = progress_key(instance.uuid)
        transport = self.compute_rpcapi.transport

        def save(mig):
            # One small value per look at the job: written through the
            # conductor and pushed to whoever follows the migration.  A
            # final status is only what the driver reports: the record
            # becomes final once the migration is settled, below.
            progress = objects.MigrationProgress.of(mig)
            if progress.status in fields.MigrationStatus.FINAL:
                recorded = migration.status
                progress.apply_to(migration)
                migration.status = recorded
            else:
                progress.apply_to(migration)
            try:
                migration.save()
            except Exception as exc:
                # The conductor or the broker is away for a moment: the
                # migration must not suffer for it.  What could not be
                # recorded now is recorded at the next look.
                LOG.warning('Could not record the progress of migration %s '
                            '(%s); it goes on', migration.uuid, exc)
            rpc.notify(transport, ctxt, key, progress)

        outcome = error = None
        try:
            migration.status = STATUS.PREPARING
            migration.save()
            self.compute_rpcapi.pre_live_migration(ctxt, dest, instance,
                                                   migration, migrate_data)
            instance.refresh()
            outcome = self.driver.live_migration(
                instance, dest, migration.obj_clone(),
                block_migration=migrate_data.block_migration,
                copied_disk_gb=tuple(migrate_data.copied_disk_gb),
                dest_xml=self.driver.destination_xml(instance),
                on_progress=save, purpose=migration.effective_purpose)
        except Exception as exc:
            LOG.error('Live migration of %s to %s failed: %s',
                      instance.uuid, dest, exc)
            error = exc
        settlement = self._settle(ctxt, instance, dest, outcome)
        if outcome is not None:
            if settlement.status != outcome.status:
                LOG.warning('Live migration of %s reported %s, settled as '
                            '%s: %s', instance.uuid, outcome.status,
                            settlement.status, settlement.reason)
                outcome.settlement = settlement.reason
            outcome.status = settlement.status
            self._keep_outcome(migration.uuid,
                               objects.LiveMigrationOutcome.from_driver(
                                   outcome))
        elif error is not None:
            # It never started: the caller still learns why.
            self._keep_outcome(
                migration.uuid, objects.LiveMigrationOutcome.not_started(
                    settlement.status, '%s: %s' % (type(error).__name__,
                                                   error)))
        self.apply_settlement(ctxt, instance, dest, migration, settlement)

    def apply_settlement(self, ctxt, instance, dest, migration, settlement):
        """Complete, hold or roll back a live migration as settled."""
        verdict = settlement.verdict
        if verdict is settle.Verdict.COMPLETE:
            self._post_live_migration(ctxt, instance, dest, migration)
        elif verdict is settle.Verdict.HOLD:
            self._hold_live_migration(ctxt, instance, dest, migration,
                                      settlement.reason)
        else:
            self._rollback_live_migration(ctxt, instance, dest, migration,
                                          settlement.status)

    def _keep_outcome(self, migration_uuid, outcome):
        self.outcomes[migration_uuid] = outcome
        while len(self.outcomes) > KEPT_OUTCOMES:
            self.outcomes.popitem(last=False)

    def live_migration_outcome(self, ctxt, migration_uuid):
        """How this source ended a migration (LiveMigrationOutcome), once;
        None when the migration never started here or this service has
        restarted since.
        """
        return self.outcomes.pop(migration_uuid, None)

    def max_concurrent_live_migrations(self, ctxt):
        """This host's [DEFAULT] max_concurrent_live_migrations (0: no
        limit): how many moves a drain of it runs at once.
        """
        return self.max_live_migrations

    def tracked_usage(self, ctxt):
        """What this host's resource tracker counts, for the audit."""
        return {'instances': sorted(self.rt.tracked_instances),
                'migrations': sorted(self.rt.tracked_migrations)}

    def _locate(self, ctxt, instance, dest):
        """(source state, destination state) of the instance's guest."""
        try:
            source = self.driver.guest_power_state(instance)
        except exception.NovaException as exc:
            LOG.warning('Cannot see %s on this host %s: %s', instance.uuid,
                        self.host, exc)
            source = settle.UNREACHABLE
        try:
            target = self.compute_rpcapi.guest_power_state(ctxt, dest,
                                                           instance)
        except Exception as exc:
            LOG.warning('Cannot see %s on %s: %s', instance.uuid, dest, exc)
            target = settle.UNREACHABLE
        return source, target

    def settle_where_guest_runs(self, ctxt, instance, dest):
        """Settle a migration from where the guest runs alone (nothing
        reported: the monitor of the migration is gone).
        """
        return self._settle(ctxt, instance, dest, None)

    def _settle(self, ctxt, instance, dest, outcome):
        source, target = self._locate(ctxt, instance, dest)
        if outcome is None:
            return settle.settle(source, target, None)
        return settle.settle(source, target, outcome.status,
                             postcopy_started=outcome.postcopy_started,
                             job_ended=outcome.job_ended)

    @messaging.expected_exceptions(*EXPECTED)
    def migration_policy(self, ctxt, instance, block_migration=None):
        """The live-migration policy this host resolves for ``instance``
        (a dict: the policy's fields, origins and reasons).  With
        ``block_migration`` (a bool) it also holds ``flags``: the
        hypervisor's migration flags a live migration from here would use
        (an int).  A flavor/image combination the resolver refuses raises
        its typed error.
        """
        paused = instance.is_paused
        doc = self.driver.migration_policy(instance, paused=paused).as_dict()
        if block_migration is not None:
            doc['flags'] = int(self.driver.live_migration_flags(
                instance, block_migration=block_migration, paused=paused))
        return doc

    @messaging.expected_exceptions(*EXPECTED)
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
            self.compute_rpcapi.post_live_migration_at_destination(
                ctxt, dest, instance, migration)
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
            self.compute_rpcapi.rollback_live_migration_at_destination(
                ctxt, dest, instance, migration)
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

    @messaging.expected_exceptions(*EXPECTED)
    def live_migration_force_complete(self, ctxt, instance):
        self.driver.live_migration_force_complete(instance)

    @messaging.expected_exceptions(*EXPECTED)
    def live_migration_abort(self, ctxt, instance):
        self.driver.live_migration_abort(instance)

    # -- evacuation: destination -------------------------------------------

    @messaging.expected_exceptions(*EXPECTED)
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
