"""Evacuate one instance from a host that is down: rebuild it elsewhere.

The source allocation goes to the migration, a destination is claimed for
the instance, and the destination rebuilds it under a rebuild claim
(vPMEM namespaces assigned there from the allocation: an evacuation does
not carry memory or vPMEM content).  On success the source allocation is
released -- the host is down and its start-up destroys the old domain and
zeroes free namespaces before it takes new work; on failure the allocation
goes back to the instance, which is put in ERROR.
"""

from oslo_log import log as logging

from nova import exception
from nova import objects
from nova.objects import fields
from nova.scheduler.client import report

LOG = logging.getLogger(__name__)
STATUS = fields.MigrationStatus


class EvacuateTask(object):

    def __init__(self, ctxt, instance, migration, destination,
                 compute_rpcapi, scheduler, report_client):
        self.ctxt = ctxt
        self.instance = instance
        self.migration = migration
        self.destination = destination
        self.compute_rpcapi = compute_rpcapi
        self.scheduler = scheduler
        self.reportclient = report_client
        self.source = instance.host

    def check(self):
        if self.compute_rpcapi.is_up(self.source):
            raise exception.ComputeServiceStillUp(host=self.source)
        if self.instance.task_state:
            raise exception.InstanceInvalidState(
                instance_uuid=self.instance.uuid,
                state=self.instance.task_state, action='evacuation',
                needed='no task in progress')
        if self.destination == self.source:
            raise exception.MigrationPreCheckError(
                reason='cannot evacuate %s to its own host %s' % (
                    self.instance.uuid, self.source))

    def execute(self):
        self.check()
        self.reportclient.move_allocations(
            self.instance.uuid, self.migration.uuid,
            report.CONSUMER_MIGRATION)
        try:
            selection = self.scheduler.select_destinations(
                self.ctxt, objects.RequestSpec.from_instance(
                    self.instance, ignore_hosts=[self.source],
                    requested_host=self.destination))
            self.migration.dest_compute = selection.host
            self.migration.dest_node = selection.host
            self.migration.status = STATUS.PREPARING
            self.migration.save()
            self.instance.task_state = fields.TaskState.REBUILDING
            self.instance.save()
            self.compute_rpcapi.call(
                selection.host, 'rebuild_instance', self.ctxt,
                self.instance, self.migration, selection.allocations)
        except Exception as exc:
            LOG.error('Evacuation of %s failed: %s', self.instance.uuid, exc)
            self._revert()
            raise
        self.reportclient.delete_allocation_for_consumer(self.migration.uuid)
        self.migration.status = STATUS.COMPLETED
        self.migration.save()
        self.instance.refresh()
        LOG.info('Evacuated %s from %s to %s', self.instance.uuid,
                 self.source, selection.host)
        return self.instance

    def _revert(self):
        self.reportclient.revert_allocation_for_migration(
            self.migration.uuid, self.instance.uuid)
        self.instance.refresh()
        self.instance.task_state = None
        self.instance.vm_state = fields.VMState.ERROR
        self.instance.migration_context = None
        self.instance.save()
        self.migration.status = STATUS.FAILED
        self.migration.save()
