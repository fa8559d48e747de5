"""Evacuate one instance from a host that is down: rebuild it elsewhere.

The compute API has marked the instance ``rebuilding`` (compare-and-swap).
The source allocation goes to the migration, a destination is claimed for
the instance, and the destination rebuilds it under a rebuild claim
(vPMEM namespaces assigned there from the allocation: an evacuation does
not carry memory or vPMEM content).  On success the source allocation is
released -- the host is down and its start-up destroys the old domain and
zeroes free namespaces before it takes new work.

A refusal before the rebuild started (no valid host, a pre-check) leaves
the instance exactly as it was.  A rebuild that failed on the destination
leaves the instance in ERROR on its (down) source with its allocation
there -- unless the guest does run on the destination, which then wins.
"""

from oslo_log import log as logging

from nova.compute import power_state
from nova.conductor.tasks import base
from nova import exception
from nova import objects
from nova.objects import fields

LOG = logging.getLogger(__name__)
STATUS = fields.MigrationStatus


class EvacuateTask(base.MoveTask):

    def check(self):
        if self.compute_rpcapi.is_up(self.source):
            raise exception.ComputeServiceStillUp(host=self.source)
        if self.instance.task_state != fields.TaskState.REBUILDING:
            raise exception.InstanceInvalidState(
                instance_uuid=self.instance.uuid,
                state=self.instance.task_state or 'idle',
                action='evacuation',
                needed='to be marked rebuilding by the API')
        if self.destination == self.source:
            raise exception.MigrationPreCheckError(
                reason='cannot evacuate %s to its own host %s' % (
                    self.instance.uuid, self.source))

    def execute(self):
        try:
            self.check()
        except Exception:
            self._restore()
            raise
        try:
            self._start_migration()
            selection = self.scheduler.select_destinations(
                self.ctxt, objects.RequestSpec.from_instance(
                    self.instance, ignore_hosts=[self.source],
                    requested_host=self.destination))
        except Exception as exc:
            LOG.warning('Evacuation of %s refused: %s', self.instance.uuid,
                        exc)
            self._give_allocation_back()
            self._restore()
            raise
        dest = selection.host
        try:
            self.migration.dest_compute = dest
            self.migration.dest_node = dest
            self.migration.status = STATUS.PREPARING
            self.migration.save()
            self.compute_rpcapi.call(
                dest, 'rebuild_instance', self.ctxt, self.instance,
                self.migration, selection.allocations)
        except Exception as exc:
            if self._runs_on(dest):
                # The rebuild did happen (only its answer was lost): the
                # guest runs there, so that is where the instance lives.
                LOG.warning('Evacuation of %s reported %s, but the guest '
                            'runs on %s: keeping it there', self.instance.uuid,
                            exc, dest)
                self._record_on(dest)
            else:
                LOG.error('Evacuation of %s to %s failed: %s',
                          self.instance.uuid, dest, exc)
                self._give_allocation_back()
                self._restore(vm_state=fields.VMState.ERROR)
                raise
        self.reportclient.delete_allocation_for_consumer(self.migration.uuid)
        self.migration.status = STATUS.COMPLETED
        self.migration.save()
        self.instance.refresh()
        LOG.info('Evacuated %s from %s to %s', self.instance.uuid,
                 self.source, dest)
        return self.instance

    def _runs_on(self, host):
        try:
            state = self.compute_rpcapi.call(host, 'guest_power_state',
                                             self.ctxt, self.instance)
        except Exception as exc:
            LOG.warning('Cannot tell whether %s runs on %s: %s',
                        self.instance.uuid, host, exc)
            return False
        return state in (power_state.RUNNING, power_state.PAUSED)

    def _record_on(self, dest):
        self.instance.refresh()
        if self.instance.host != dest:
            self.instance.apply_migration_context()
            self.instance.host = self.instance.node = dest
        self.instance.migration_context = None
        self.instance.task_state = None
        self.instance.vm_state = fields.VMState.ACTIVE
        self.instance.save()

    def _restore(self, vm_state=None):
        """Clear the task state; the instance stays where it was."""
        self.instance.refresh()
        self.instance.task_state = None
        self.instance.migration_context = None
        if vm_state is not None:
            self.instance.vm_state = vm_state
        self.instance.save()
