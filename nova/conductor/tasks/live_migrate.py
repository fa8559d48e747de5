"""Live-migrate one instance: checks, destination, claim, hand-off.

The compute API has already marked the instance ``migrating`` (a
compare-and-swap, so no second request can be here for it).  Order
(nothing is written anywhere until every pre-check passed):

1. pre-checks: instance state, its migration policy (flavor/image), the
   source service, and for a vPMEM instance that both hosts can live-migrate
   vPMEM (the trait its virt driver reports); for a forced host, every
   trait the scheduler would have required (forcing skips the scheduler's
   choice, not the capability checks);
2. the migration record is created and the instance's source allocation
   goes to the migration as consumer;
3. a destination is claimed in Placement for the instance: through the
   scheduler and its request filters, or -- host given with ``force`` --
   directly on that host;
4. the destination compute claims the move (assigning concrete vPMEM
   namespaces from that Placement allocation) and persists the
   MigrationContext;
5. the source compute runs the migration and settles it.

Any failure in 1-4 (or a source that cannot be reached for 5) undoes
everything done so far: the allocation is moved back, the destination's
claim and context dropped, the migration marked failed and the task state
cleared -- the instance is left exactly as it was.
"""

from oslo_log import log as logging

from nova.conductor.tasks import base
from nova import exception
from nova import objects
from nova.objects import fields
from nova.scheduler import request_filter
from nova.scheduler import utils as scheduler_utils
from nova.virt import hardware
from nova.virt import migration_policy

LOG = logging.getLogger(__name__)
VPMEM_TRAIT = hardware.VPMEM_LIVE_MIGRATION_TRAIT
MIGRATABLE_STATES = (fields.VMState.ACTIVE, fields.VMState.PAUSED)


class LiveMigrationTask(base.MoveTask):

    def __init__(self, ctxt, instance, migration, destination,
                 block_migration, force, compute_rpcapi, scheduler,
                 report_client, ignore_hosts=()):
        super().__init__(ctxt, instance, migration, destination,
                         compute_rpcapi, scheduler, report_client)
        self.block_migration = block_migration
        self.force = force
        #: Never destinations besides the source (hosts being drained).
        self.ignore_hosts = sorted(set(ignore_hosts) | {self.source})

    # -- pre-checks: nothing is claimed yet ----------------------------------

    def check(self):
        inst = self.instance
        if (inst.vm_state not in MIGRATABLE_STATES
                or inst.task_state != fields.TaskState.MIGRATING):
            raise exception.InstanceInvalidState(
                instance_uuid=inst.uuid,
                state='%s/%s' % (inst.vm_state, inst.task_state or 'idle'),
                action='live migration',
                needed='active or paused, marked migrating by the API')
        # Refuses a flavor/image conflict with the key, value and rule.
        migration_policy.requested_features(inst.flavor, inst.image_meta)
        if not self.compute_rpcapi.is_up(self.source):
            raise exception.ComputeServiceUnavailable(host=self.source)
        if self.destination is not None:
            if self.destination == self.source:
                raise exception.MigrationPreCheckError(
                    reason='instance %s already runs on %s' % (
                        inst.uuid, self.source))
            if not self.compute_rpcapi.is_up(self.destination):
                raise exception.ComputeServiceUnavailable(
                    host=self.destination)
        if hardware.get_vpmem_labels(inst.flavor):
            self._check_vpmem_support(self.source)
            if self.destination is not None:
                self._check_vpmem_support(self.destination)
        if self.destination is not None and self.force:
            self._check_forced_host_traits()

    def _check_forced_host_traits(self):
        """A forced host must have every trait the scheduler would have
        required of it (post-copy, auto-converge, vPMEM migration).
        """
        spec = self._request_spec()
        request_filter.process_reqspec(self.ctxt, spec)
        required = set(spec.root_required)
        if not required:
            return
        have = self.reportclient.get_traits(
            self._provider_of(self.destination))
        missing = sorted(required - set(have))
        if missing:
            raise exception.ForcedHostLacksTraits(
                host=self.destination, instance_uuid=self.instance.uuid,
                traits=', '.join(missing))

    def _provider_of(self, host):
        for provider in self.reportclient.get_providers():
            if provider['name'] == host:
                return provider['uuid']
        raise exception.MigrationPreCheckError(
            reason='host %s has no resource provider in Placement' % host)

    def _check_vpmem_support(self, host):
        traits = self.reportclient.get_traits(self._provider_of(host))
        if VPMEM_TRAIT not in traits:
            raise exception.VPMEMLiveMigrationUnsupported(
                instance_uuid=self.instance.uuid, host=host,
                labels=','.join(hardware.get_vpmem_labels(
                    self.instance.flavor)), trait=VPMEM_TRAIT)

    # -- the move ---------------------------------------------------------

    def execute(self):
        """Check, claim, then start the migration on the source (a cast).

        Pre-check errors are raised after the task state was cleared and
        before any migration record, claim or allocation change exists.
        The source settles the migration, whatever happens, and records
        how in the migration; follow that record to know the outcome.
        """
        try:
            self.check()
        except Exception:
            self._clear_task_state()
            raise
        try:
            self._start_migration()
            dest, allocations = self._claim_destination()
            self.migration.dest_compute = dest
            self.migration.dest_node = dest
            self.migration.save()
            migrate_data = (
                self.compute_rpcapi.check_can_live_migrate_destination(
                    self.ctxt, dest, self.instance, self.migration,
                    allocations, block_migration=self.block_migration))
        except Exception as exc:
            LOG.warning('Live migration of %s refused before it started: '
                        '%s', self.instance.uuid, exc)
            self._revert()
            raise
        if not self.compute_rpcapi.is_up(self.source):
            # The source would only get the request when it comes back:
            # nothing moved.  Undo the destination's claim too.
            LOG.warning('Source %s went away before the live migration of '
                        '%s started; undoing the destination claim',
                        self.source, self.instance.uuid)
            self._rollback_destination(dest)
            self._revert()
            raise exception.ComputeServiceUnavailable(host=self.source)
        self.compute_rpcapi.live_migration(
            self.ctxt, self.source, self.instance, dest, self.migration,
            migrate_data)

    def _request_spec(self):
        spec = objects.RequestSpec.from_instance(
            self.instance, ignore_hosts=self.ignore_hosts,
            requested_host=self.destination)
        if hardware.get_vpmem_labels(self.instance.flavor):
            spec.root_required = set(spec.root_required) | {VPMEM_TRAIT}
        return spec

    def _claim_destination(self):
        if self.destination is not None and self.force:
            return self._claim_forced()
        selection = self.scheduler.select_destinations(
            self.ctxt, self._request_spec())
        return selection.host, selection.allocations

    def _claim_forced(self):
        """``force``: no filters, but still a real claim on that host,
        made before any specific resource is assigned from it.
        """
        dest = self.destination
        root = self._provider_of(dest)
        resources = scheduler_utils.resources_from_flavor(
            self.instance.flavor)
        alloc_reqs, summaries = self.reportclient.get_allocation_candidates(
            resources)
        for alloc_req in alloc_reqs:
            allocations = alloc_req['allocations']
            roots = {summaries.get(rp, {}).get('root_provider_uuid', rp)
                     for rp in allocations}
            if roots == {root}:
                self.reportclient.claim_resources(
                    self.instance.uuid, allocations,
                    self.instance.project_id, self.instance.user_id)
                return dest, allocations
        raise exception.NoValidHost(
            reason='the forced host %s cannot take %s' % (
                dest, scheduler_utils.format_resources(resources)))

    def _rollback_destination(self, dest):
        try:
            self.compute_rpcapi.rollback_live_migration_at_destination(
                self.ctxt, dest, self.instance, self.migration)
        except Exception as exc:
            LOG.warning('Destination %s could not roll back %s (its audit '
                        'and start-up clean the rest): %s', dest,
                        self.instance.uuid, exc)

    def _clear_task_state(self):
        self.instance.task_state = None
        self.instance.save(
            expected_task_state=[fields.TaskState.MIGRATING])

    def _revert(self):
        """Put everything back as it was before the request."""
        self._give_allocation_back()
        self.instance.refresh()
        self.instance.migration_context = None
        self.instance.task_state = None
        self.instance.save()
