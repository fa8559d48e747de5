"""The conductor's entry points for moves."""

from oslo_utils import uuidutils

from nova.conductor.tasks import evacuate
from nova.conductor.tasks import live_migrate
from nova import exception
from nova import objects
from nova.objects import fields


class ComputeTaskManager(object):

    def __init__(self, compute_rpcapi, scheduler, report_client):
        self.compute_rpcapi = compute_rpcapi
        self.scheduler = scheduler
        self.reportclient = report_client

    def _migration(self, ctxt, instance, migration_type, dest):
        migration = objects.Migration(
            context=ctxt, uuid=uuidutils.generate_uuid(),
            instance_uuid=instance.uuid, migration_type=migration_type,
            status=fields.MigrationStatus.QUEUED,
            source_compute=instance.host, source_node=instance.node,
            dest_compute=dest, dest_node=dest)
        return migration

    def live_migrate_instance(self, ctxt, instance, host=None,
                              block_migration=False, force=False,
                              on_progress=None):
        """Live-migrate; returns (Migration, MigrationOutcome).

        The instance must have been marked ``migrating`` by the compute
        API.  Pre-check errors are raised before any migration record,
        claim or allocation change exists, with the task state cleared.
        """
        migration = self._migration(
            ctxt, instance, fields.MigrationType.LIVE_MIGRATION, host)
        task = live_migrate.LiveMigrationTask(
            ctxt, instance, migration, host, block_migration, force,
            self.compute_rpcapi, self.scheduler, self.reportclient)
        outcome = task.execute(on_progress=on_progress)
        migration.refresh()
        return migration, outcome

    def evacuate_instance(self, ctxt, instance, host=None):
        """Rebuild an instance of a down host elsewhere; returns the
        Migration (the instance is refreshed in place).  The instance must
        have been marked ``rebuilding`` by the compute API.
        """
        migration = self._migration(
            ctxt, instance, fields.MigrationType.EVACUATION, host)
        task = evacuate.EvacuateTask(
            ctxt, instance, migration, host, self.compute_rpcapi,
            self.scheduler, self.reportclient)
        task.execute()
        migration.refresh()
        return migration

    def live_migration_force_complete(self, ctxt, instance):
        self.compute_rpcapi.call(instance.host,
                                 'live_migration_force_complete', ctxt,
                                 instance)

    def live_migration_abort(self, ctxt, instance):
        if instance.task_state != fields.TaskState.MIGRATING:
            raise exception.NoActiveMigration(instance_uuid=instance.uuid)
        self.compute_rpcapi.call(instance.host, 'live_migration_abort', ctxt,
                                 instance)
