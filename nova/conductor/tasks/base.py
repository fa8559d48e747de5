"""What every move task does the same way: its parts, its start, its undo.

A move (live migration, evacuation) begins when the compute API has marked
the instance with the move's task state.  The task then creates the
migration record and hands the instance's source allocation to it (one
atomic Placement write); undoing the move hands it back.
"""

from oslo_log import log as logging

from nova import exception
from nova.objects import fields
from nova.scheduler.client import report

LOG = logging.getLogger(__name__)
STATUS = fields.MigrationStatus


class MoveTask(object):

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

    def _start_migration(self):
        """Create the migration record; it takes the source allocation."""
        self.migration.create()
        self.reportclient.move_allocations(
            self.instance.uuid, self.migration.uuid,
            report.CONSUMER_MIGRATION)

    def _give_allocation_back(self):
        """Hand the source allocation back to the instance and end the
        migration record (``failed``; ``error`` if Placement refused).
        Nothing to do when the record was never created.
        """
        if not self.migration.obj_attr_is_set('id'):
            return
        status = STATUS.FAILED
        try:
            self.reportclient.revert_allocation_for_migration(
                self.migration.uuid, self.instance.uuid)
        except exception.NovaException as exc:
            LOG.error('Could not give the allocation of migration %s back '
                      'to %s: %s', self.migration.uuid, self.instance.uuid,
                      exc)
            status = STATUS.ERROR
        self.migration.status = status
        self.migration.save()
