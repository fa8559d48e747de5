"""The conductor's endpoints: object persistence and moves."""

import oslo_messaging as messaging
from oslo_utils import uuidutils
from oslo_versionedobjects import base as ovo_base

from nova.conductor import rpcapi as conductor_rpcapi
from nova.conductor.tasks import evacuate
from nova.conductor.tasks import live_migrate
from nova import exception
from nova import objects
from nova.objects import fields
from nova import rpc

#: Errors a move request may end with on purpose: not logged as failures
#: of the conductor, sent to the caller as the typed error.
EXPECTED = (exception.NovaException,)


class ConductorManager(object):
    """The object indirection: compute services' database work."""

    target = messaging.Target(version=rpc.RPC_VERSION)

    @messaging.expected_exceptions(*EXPECTED)
    def object_class_action_versions(self, ctxt, objname, objmethod,
                                     object_versions, args, kwargs):
        cls = ovo_base.VersionedObjectRegistry.obj_classes()[objname][0]
        cls = getattr(objects, cls.obj_name())
        result = getattr(cls, objmethod)(ctxt, *args, **kwargs)
        version = object_versions.get(objname)
        if isinstance(result, ovo_base.VersionedObject) and version and (
                result.VERSION != version):
            return result.obj_to_primitive(target_version=version,
                                           version_manifest=object_versions)
        return result

    @messaging.expected_exceptions(*EXPECTED)
    def object_action(self, ctxt, objinst, objmethod, args, kwargs):
        """Run ``objmethod`` on the object; return (changed fields, result).

        The caller (oslo.versionedobjects' remotable wrapper) applies the
        changed fields to its own copy.
        """
        before = objinst.obj_clone()
        result = getattr(objinst, objmethod)(*args, **kwargs)
        updates = {}
        for name, field in objinst.fields.items():
            if not objinst.obj_attr_is_set(name):
                continue
            value = getattr(objinst, name)
            if (before.obj_attr_is_set(name)
                    and getattr(before, name) == value
                    and not isinstance(value, ovo_base.VersionedObject)):
                continue
            updates[name] = (value if isinstance(
                value, ovo_base.VersionedObject) or value is None
                else field.to_primitive(objinst, name, value))
        updates['obj_what_changed'] = sorted(objinst.obj_what_changed())
        return updates, result

    def object_backport_versions(self, ctxt, objinst, object_versions):
        return objinst.obj_to_primitive(
            target_version=object_versions[objinst.obj_name()],
            version_manifest=object_versions)


class ComputeTaskManager(object):
    """Moves: checks, scheduling, claims, and the hand-off to computes."""

    target = messaging.Target(namespace=conductor_rpcapi.TASK_NAMESPACE,
                              version=rpc.RPC_VERSION)

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

    @messaging.expected_exceptions(*EXPECTED)
    def live_migrate_instance(self, ctxt, instance, host=None,
                              block_migration=False, force=False):
        """Check, choose and claim a destination, then start the move on
        the source (a cast); returns the Migration.

        The instance must have been marked ``migrating`` by the compute
        API.  Pre-check errors are raised before any migration record,
        claim or allocation change exists, with the task state cleared.
        """
        migration = self._migration(
            ctxt, instance, fields.MigrationType.LIVE_MIGRATION, host)
        task = live_migrate.LiveMigrationTask(
            ctxt, instance, migration, host, block_migration, force,
            self.compute_rpcapi, self.scheduler, self.reportclient)
        task.execute()
        migration.refresh()
        return migration

    @messaging.expected_exceptions(*EXPECTED)
    def evacuate_instance(self, ctxt, instance, host=None):
        """Rebuild an instance of a down host elsewhere; returns the
        Migration.  The instance must have been marked ``rebuilding`` by
        the compute API.
        """
        migration = self._migration(
            ctxt, instance, fields.MigrationType.EVACUATION, host)
        task = evacuate.EvacuateTask(
            ctxt, instance, migration, host, self.compute_rpcapi,
            self.scheduler, self.reportclient)
        task.execute()
        migration.refresh()
        return migration

    @messaging.expected_exceptions(*EXPECTED)
    def live_migration_force_complete(self, ctxt, instance):
        self.compute_rpcapi.live_migration_force_complete(
            ctxt, instance.host, instance)

    @messaging.expected_exceptions(*EXPECTED)
    def live_migration_abort(self, ctxt, instance):
        if instance.task_state != fields.TaskState.MIGRATING:
            raise exception.NoActiveMigration(instance_uuid=instance.uuid)
        self.compute_rpcapi.live_migration_abort(ctxt, instance.host,
                                                 instance)
