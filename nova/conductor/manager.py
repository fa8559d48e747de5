"""The conductor's endpoints: object persistence and moves."""

import threading

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_utils import uuidutils
from oslo_versionedobjects import base as ovo_base

from nova.conductor import drain_records
from nova.conductor import rpcapi as conductor_rpcapi
from nova.conductor.tasks import drain
from nova.conductor.tasks import evacuate
from nova.conductor.tasks import live_migrate
from nova import exception
from nova import objects
from nova.objects import fields
from nova.objects import host_drain
from nova import rpc

LOG = logging.getLogger(__name__)

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

    def __init__(self, compute_rpcapi, scheduler, report_client,
                 clock=None, host='conductor'):
        #: This conductor's host name (who runs a drain, in host_drains).
        self.host = host
        self.compute_rpcapi = compute_rpcapi
        self.scheduler = scheduler
        self.reportclient = report_client
        #: The clock of the embedded default's simulated hosts, which
        #: drains wait on (one drain at a time then); None: real time.
        self.clock = clock
        #: The last drain of each host (the running one, if any).
        self._drains = {}
        self._drains_lock = threading.Lock()

    def _migration(self, ctxt, instance, migration_type, dest,
                   purpose=None, migration_uuid=None):
        migration = objects.Migration(
            context=ctxt, uuid=migration_uuid or uuidutils.generate_uuid(),
            instance_uuid=instance.uuid, migration_type=migration_type,
            status=fields.MigrationStatus.QUEUED,
            source_compute=instance.host, source_node=instance.node,
            dest_compute=dest, dest_node=dest)
        if purpose is not None:
            migration.purpose = purpose
        return migration

    @messaging.expected_exceptions(*EXPECTED)
    def live_migrate_instance(self, ctxt, instance, host=None,
                              block_migration=False, force=False,
                              purpose=None):
        """Check, choose and claim a destination, then start the move on
        the source (a cast); returns the Migration.

        The instance must have been marked ``migrating`` by the compute
        API.  Pre-check errors are raised before any migration record,
        claim or allocation change exists, with the task state cleared.
        ``purpose`` (a MigrationPurpose; None: the default) is recorded
        on the Migration.
        """
        try:
            purpose = fields.validate_migration_purpose(purpose)
        except exception.Invalid:
            self._clear_migrating(instance)
            raise
        return self._live_migrate(ctxt, instance, host, block_migration,
                                  force, purpose)

    def _live_migrate(self, ctxt, instance, host, block_migration, force,
                      purpose, migration_uuid=None, ignore_hosts=()):
        migration = self._migration(
            ctxt, instance, fields.MigrationType.LIVE_MIGRATION, host,
            purpose=purpose, migration_uuid=migration_uuid)
        task = live_migrate.LiveMigrationTask(
            ctxt, instance, migration, host, block_migration, force,
            self.compute_rpcapi, self.scheduler, self.reportclient,
            ignore_hosts=ignore_hosts)
        task.execute()
        migration.refresh()
        return migration

    @staticmethod
    def _clear_migrating(instance):
        instance.task_state = None
        instance.save(expected_task_state=[fields.TaskState.MIGRATING])

    # -- host drains ------------------------------------------------------

    def _drain_move(self, ctxt, instance, migration_uuid, purpose,
                    ignore_hosts):
        return self._live_migrate(ctxt, instance, None, False, False,
                                  purpose, migration_uuid=migration_uuid,
                                  ignore_hosts=ignore_hosts)

    def init_host(self, ctxt):
        """Start-up: the drains this conductor ran before it restarted
        are over (their moves went on without it): mark them interrupted.
        """
        drain_records.interrupt_own(ctxt, self.host)

    def _record_drain(self, ctxt):
        return lambda report: drain_records.save(ctxt, report, self.host)

    def _check_recorded_drain(self, ctxt, host):
        """The host's drain row as read (None: none), refusing when a drain
        of it runs under another conductor that is up; one whose conductor
        is down is taken over (the new drain's row replaces it, and that
        conductor can no longer write to it).
        """
        drain, row = drain_records.load(ctxt, host)
        if row is None or drain.state != host_drain.DrainState.RUNNING:
            return row
        owner = row['conductor']
        if owner != self.host and self.compute_rpcapi.servicegroup.is_up(
                'nova-conductor', owner):
            raise exception.HostDrainInProgress(
                host=host, progress='%s, run by the conductor %s' % (
                    drain.progress(), owner))
        LOG.warning('Taking the drain of %s over from the conductor %s, '
                    'which is down: %s', host, owner, drain.progress())
        return row

    def _draining(self):
        with self._drains_lock:
            return [host for host, task in self._drains.items()
                    if task.running]

    @messaging.expected_exceptions(*EXPECTED)
    def drain_host(self, ctxt, host):
        """Start draining ``host`` (nova.conductor.tasks.drain); returns
        the HostDrain once its first moves were asked for.

        Refused (nothing moves) for an unknown host, a host whose service
        is down, and a host already being drained -- in the embedded
        default, while any host is being drained.
        """
        task = drain.DrainTask(ctxt, host, self.compute_rpcapi,
                               self._drain_move, clock=self.clock,
                               draining=self._draining,
                               on_change=self._record_drain(ctxt))
        with self._drains_lock:
            current = self._drains.get(host)
            if current is not None and current.running:
                raise exception.HostDrainInProgress(
                    host=host, progress=current.report().progress())
            others = [h for h, t in self._drains.items() if t.running]
            if others and self.clock is not None:
                # The embedded default's clock (the simulator's) runs one
                # coordinated set of moves at a time (nova.sim.clock).
                raise exception.HostDrainNotPossible(
                    host=host, reason='the embedded cloud drains one host '
                    'at a time and %s is being drained' % others[0])
            row = self._check_recorded_drain(ctxt, host)
            task.plan()
            if not drain_records.start(ctxt, task.drain, self.host, row):
                raise exception.HostDrainInProgress(
                    host=host, progress='another conductor started it '
                    'just now')
            self._drains[host] = task
        task.start()
        return task.report()

    @messaging.expected_exceptions(*EXPECTED)
    def drain_status(self, ctxt, host, outcomes=False):
        """The running or last drain of ``host`` (a HostDrain), with each
        move's LiveMigrationOutcome when ``outcomes``.
        """
        with self._drains_lock:
            task = self._drains.get(host)
        if task is not None and task.running:
            return task.report(outcomes=outcomes)
        # Run by another conductor (perhaps after this one's), or by this
        # one before it restarted: the database has the last report
        # (without the moves' outcomes).
        recorded, row = drain_records.load(ctxt, host)
        if task is not None and (row is None or
                                 row['conductor'] == self.host):
            return task.report(outcomes=outcomes)
        if recorded is None:
            raise exception.HostDrainNotFound(host=host)
        return recorded

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
