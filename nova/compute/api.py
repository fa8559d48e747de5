"""The compute API layer: what a user's request goes through first.

A live migration is started by the conductor, which casts it to the
source compute; the source settles it and records how in the migration.
``live_migrate`` follows that record until the migration has ended (the
embedded commands and the tests need the result); ``live_migrate_async``
(the REST API) returns once the migration runs and follows it in a
background thread.
"""

import threading
import time

from oslo_log import log as logging
from oslo_utils import uuidutils

from nova.api.validation.extra_specs import validators
from nova.compute import manager as compute_manager
import nova.conf
from nova import exception
from nova import objects
from nova.objects import fields
from nova.objects import host_drain
from nova import rpc
from nova.virt import hardware
from nova.virt import migration_policy

LOG = logging.getLogger(__name__)
CONF = nova.conf.CONF
drain_state = host_drain.DrainState
#: Real seconds between two looks at a drain a caller waits for in one
#: process (over RabbitMQ: [DEFAULT] migration_poll_interval).
DRAIN_POLL = 0.05
#: vm_states from which an instance may be live-migrated or evacuated.
MIGRATABLE_STATES = (fields.VMState.ACTIVE, fields.VMState.PAUSED)
EVACUABLE_STATES = (fields.VMState.ACTIVE, fields.VMState.STOPPED,
                    fields.VMState.ERROR)
DELETABLE_STATES = (fields.VMState.ACTIVE, fields.VMState.PAUSED,
                    fields.VMState.STOPPED, fields.VMState.ERROR)

#: The largest guest a request may ask for, and so the largest simulated
#: host: 4096 vCPUs (what KVM and libvirt take for one guest), 16 TiB of
#: memory and 1 PiB of disk.  Placement stores each amount as a 32-bit
#: integer (at most 2147483647); these leave room for many instances.
MAX_VCPUS = 4096
MAX_MEMORY_MB = 16 * 1024 * 1024
MAX_DISK_GB = 1024 * 1024
#: (field, smallest, largest, what it is) of every size a flavor has.
FLAVOR_LIMITS = (
    ('vcpus', 1, MAX_VCPUS, 'vCPUs'),
    ('memory_mb', 1, MAX_MEMORY_MB, 'memory in MiB'),
    ('root_gb', 0, MAX_DISK_GB, 'root disk in GiB'),
    ('ephemeral_gb', 0, MAX_DISK_GB, 'ephemeral disk in GiB'),
    ('swap', 0, MAX_MEMORY_MB, 'swap in MiB'),
)


class API(object):

    def __init__(self, scheduler, compute_rpcapi=None, conductor=None):
        self.scheduler = scheduler
        self.compute_rpcapi = compute_rpcapi
        self.conductor = conductor
        #: Threads of the moves started by live_migrate_async.
        self._background = set()
        self._background_lock = threading.Lock()

    @staticmethod
    def validate_flavor_sizes(sizes):
        """Check ``{field: value}`` against FLAVOR_LIMITS.

        Works on plain values, so that a command can check what a user
        typed before a Flavor object (which refuses negative numbers with
        a bare ValueError) is built.  Raises InvalidFlavorSize.
        """
        for name, low, high, what in FLAVOR_LIMITS:
            if name not in sizes:
                continue
            value = sizes[name]
            if (isinstance(value, bool) or not isinstance(value, int) or
                    not low <= value <= high):
                raise exception.InvalidFlavorSize(
                    name, value, 'the %s must be an integer from %d to %d'
                    % (what, low, high))

    @staticmethod
    def validate_boot_request(flavor, image):
        """Check a flavor and an image dict before anything is created.

        Returns the ImageMeta.  Raises a typed Invalid error naming the key,
        the value and the rule for a size out of FLAVOR_LIMITS, a bad extra
        spec or image property, a guest NUMA topology the flavor cannot
        have (``hw:numa_nodes`` above its vCPUs), a flavor/image
        disagreement, or auto-converge and post-copy both requested.
        ``nova-live-migration plan`` calls this too: it refuses what a
        create refuses.
        """
        API.validate_flavor_sizes({name: getattr(flavor, name)
                                   for name, *_rest in FLAVOR_LIMITS})
        validators.validate_extra_specs(flavor.extra_specs)
        hardware.numa_topology_from_flavor(flavor)
        validators.validate_image_properties((image or {}).get('properties'))
        image_meta = objects.ImageMeta.from_dict(image)
        migration_policy.requested_features(flavor, image_meta)
        return image_meta

    def create(self, ctxt, flavor, image, display_name=None, host=None):
        """Boot one instance: validate, schedule, claim in Placement.

        Nothing is claimed or created when validation or scheduling fails.
        Returns the Instance, placed on the selected host.  With compute
        services, the instance is also stored and built there; if the build
        fails its allocation is released and it is left in ERROR.
        ``host`` (an administrator's choice) restricts scheduling to it.
        """
        image_meta = self.validate_boot_request(flavor, image)
        instance_uuid = uuidutils.generate_uuid()
        spec = objects.RequestSpec.from_components(
            instance_uuid, flavor, image_meta, ctxt.project_id, ctxt.user_id,
            requested_host=host)
        selection = self.scheduler.select_destinations(ctxt, spec)
        instance = objects.Instance(
            uuid=instance_uuid, display_name=display_name,
            project_id=ctxt.project_id, user_id=ctxt.user_id,
            host=selection.host, node=selection.host,
            vm_state=fields.VMState.ACTIVE, task_state=None,
            image_ref=image_meta.id, flavor=flavor,
            system_metadata=image_meta.to_system_metadata())
        LOG.info('Instance %s scheduled to %s', instance_uuid,
                 selection.host)
        if self.compute_rpcapi is None:
            return instance
        return self._build(ctxt, instance, selection)

    def _build(self, ctxt, instance, selection):
        instance._context = ctxt
        instance.vm_state = fields.VMState.BUILDING
        instance.host = instance.node = None
        instance.create()
        try:
            self.compute_rpcapi.build_and_run_instance(
                ctxt, selection.host, instance, selection.allocations)
        except Exception:
            LOG.exception('Building %s on %s failed', instance.uuid,
                          selection.host)
            self.scheduler.report_client.delete_allocation_for_consumer(
                instance.uuid)
            instance.refresh()
            instance.vm_state = fields.VMState.ERROR
            instance.save()
            raise
        instance.refresh()
        return instance

    def delete(self, ctxt, instance):
        """Delete ``instance``: its guest, claims, allocation and record.

        Refused while a task (a move) runs on it.  When its host's service
        is down the record and the allocation go at once; the host destroys
        the guest and zeroes its devices when it starts again.
        """
        self._start_task(instance, fields.TaskState.DELETING, 'delete',
                         DELETABLE_STATES)
        if instance.host and self.compute_rpcapi.is_up(instance.host):
            self.compute_rpcapi.terminate_instance(ctxt, instance.host,
                                                   instance)
            return
        LOG.info('Deleting %s while its host %s is down: the host cleans '
                 'up its guest when it starts', instance.uuid, instance.host)
        self.scheduler.report_client.delete_allocation_for_consumer(
            instance.uuid)
        instance.destroy()

    # -- moves ----------------------------------------------------------

    @staticmethod
    def _start_task(instance, task_state, action, vm_states):
        """Claim the instance for one task, atomically.

        The new task state is written with a compare-and-swap on the
        stored states (no task, and one of ``vm_states``): of two requests
        racing on the same instance exactly one wins; the other gets
        InstanceInvalidState before anything is claimed anywhere.
        """
        if instance.vm_state not in vm_states or instance.task_state:
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid,
                state='%s/%s' % (instance.vm_state,
                                 instance.task_state or 'idle'),
                action=action, needed='%s, idle' % ' or '.join(vm_states))
        instance.task_state = task_state
        instance.save(expected_task_state=[None],
                      expected_vm_state=list(vm_states))

    def _request_live_migration(self, ctxt, instance, host,
                                block_migration, force, purpose):
        """Ask the conductor to start the move of ``instance`` (marked
        ``migrating`` already); returns the Migration once the source
        compute has been asked to run it.

        Pre-checks, scheduling and the destination's claim happen before
        this returns (their errors are raised, the instance left as it
        was); every later failure is settled by the compute services and
        recorded in the migration.
        """
        try:
            return self.conductor.live_migrate_instance(
                ctxt, instance, host=host, block_migration=block_migration,
                force=force, purpose=purpose)
        finally:
            instance.refresh()

    def live_migrate(self, ctxt, instance, host=None, block_migration=False,
                     force=False, on_progress=None, purpose=None):
        """Live-migrate ``instance`` and wait for the migration to end.

        ``purpose`` (a MigrationPurpose value; None: ``maintenance``) is
        checked first and recorded on the Migration.  The instance is
        marked ``migrating`` next (compare-and-swap), so a second request
        for it is refused at once.  Returns (Migration,
        LiveMigrationOutcome); the outcome is None when the source can no
        longer tell.  ``on_progress(migration)`` is called with the
        migration each time the source reports progress.
        """
        purpose = fields.validate_migration_purpose(purpose)
        self._start_task(instance, fields.TaskState.MIGRATING,
                         'live migration', MIGRATABLE_STATES)
        return self._migrate_and_follow(ctxt, instance, host,
                                        block_migration, force, on_progress,
                                        purpose)

    def _migrate_and_follow(self, ctxt, instance, host, block_migration,
                            force, on_progress, purpose):
        follower = _Follower(self.compute_rpcapi.transport, on_progress)
        follower.listen(ctxt, instance.uuid)
        try:
            migration = self._request_live_migration(
                ctxt, instance, host, block_migration, force, purpose)
            follower.follow(migration)
            migration = follower.wait(ctxt, instance.uuid)
        finally:
            follower.close()
        instance.refresh()
        try:
            outcome = self.compute_rpcapi.live_migration_outcome(
                ctxt, migration.source_compute, migration.uuid)
        except exception.ComputeServiceUnavailable as exc:
            LOG.warning('The outcome of migration %s is unknown: %s',
                        migration.uuid, exc)
            outcome = None
        return migration, outcome

    def evacuate(self, ctxt, instance, host=None):
        """Rebuild ``instance`` of a down host elsewhere; returns the
        Migration.  Refused before any change unless the instance's host
        is down and no task runs on the instance.
        """
        if self.compute_rpcapi.is_up(instance.host):
            raise exception.ComputeServiceStillUp(host=instance.host)
        self._start_task(instance, fields.TaskState.REBUILDING, 'evacuation',
                         EVACUABLE_STATES)
        try:
            return self.conductor.evacuate_instance(ctxt, instance,
                                                    host=host)
        finally:
            instance.refresh()

    @staticmethod
    def _live_migration_of(ctxt, instance, migration_id=None):
        """The live migration in progress for ``instance`` (its id may be
        given, as the API's URLs do).
        """
        instance.refresh()
        if instance.task_state != fields.TaskState.MIGRATING:
            raise exception.NoActiveMigration(instance_uuid=instance.uuid)
        running = [m for m in objects.Migration.get_by_instance(
                   ctxt, instance.uuid)
                   if m.migration_type ==
                   fields.MigrationType.LIVE_MIGRATION and not m.is_final]
        if migration_id is not None:
            running = [m for m in running
                       if migration_id in (m.id, m.uuid, str(m.id))]
        if not running:
            raise exception.NoActiveMigration(instance_uuid=instance.uuid)
        return max(running, key=lambda m: m.id)

    def live_migrate_force_complete(self, ctxt, instance, migration_id=None):
        """Ask the source to force the running live migration to end."""
        self._live_migration_of(ctxt, instance, migration_id)
        self.conductor.live_migration_force_complete(ctxt, instance)

    def live_migrate_abort(self, ctxt, instance, migration_id=None):
        """Abort the running live migration; refused in post-copy."""
        migration = self._live_migration_of(ctxt, instance, migration_id)
        if migration.status == fields.MigrationStatus.POST_COPY:
            # The guest already runs on the destination, part of its
            # memory still on the source: there is nothing to go back to.
            raise exception.MigrationAbortNotAllowed(
                instance_uuid=instance.uuid)
        self.conductor.live_migration_abort(ctxt, instance)

    # -- asynchronous entry points (the REST API) -------------------------

    def live_migrate_async(self, ctxt, instance, host=None,
                           block_migration=False, force=False,
                           accept_timeout=60.0, purpose=None):
        """Start a live migration; return once it was accepted.

        The same compare-and-swap as live_migrate runs here, in the
        caller's thread (a second request is refused at once); the
        conductor's pre-checks, the destination claim and the source's
        start run in a background thread.  Returns the Migration record
        as soon as the source reports the migration running; a refusal
        before that (pre-check, no valid host, claim) is raised here, with
        everything put back.  Returns None when nothing was decided within
        ``accept_timeout`` real seconds: the migration goes on, its record
        tells how.  The thread then runs the migration to its end.
        ``purpose`` as for live_migrate.
        """
        purpose = fields.validate_migration_purpose(purpose)
        self._start_task(instance, fields.TaskState.MIGRATING,
                         'live migration', MIGRATABLE_STATES)
        decided = threading.Event()
        box = {}

        def on_progress(migration):
            if 'migration' not in box:
                box['migration'] = migration.obj_clone()
                decided.set()

        def run():
            try:
                migration, _outcome = self._migrate_and_follow(
                    ctxt, instance, host, block_migration, force,
                    on_progress, purpose)
                box.setdefault('migration', migration)
            except Exception as exc:
                if 'migration' in box:
                    LOG.error('Live migration of %s failed: %s',
                              instance.uuid, exc)
                box['error'] = exc
            finally:
                decided.set()
                with self._background_lock:
                    self._background.discard(threading.current_thread())

        thread = threading.Thread(target=run, daemon=True,
                                  name='live-migration-%s' % instance.uuid)
        with self._background_lock:
            self._background.add(thread)
        thread.start()
        decided.wait(accept_timeout)
        if 'migration' not in box and 'error' in box:
            raise box['error']
        return box.get('migration')

    # -- host drains -------------------------------------------------------

    def drain_host_async(self, ctxt, host):
        """Start moving every instance off ``host`` (purpose
        ``evacuate-host``); returns the HostDrain as it stands once the
        first moves were asked for.  The conductor runs the rest; follow
        it with drain_status.  Refused, with nothing moved, for an unknown
        host (ServiceNotFound), a down one (HostDrainHostDown: evacuate
        instead) and one being drained already (HostDrainInProgress).
        """
        return self.conductor.drain_host(ctxt, host)

    def drain_status(self, ctxt, host, outcomes=False):
        """The running or last drain of ``host`` (HostDrainNotFound if
        none); ``outcomes`` adds each move's LiveMigrationOutcome.
        """
        return self.conductor.drain_status(ctxt, host, outcomes=outcomes)

    def drain_host(self, ctxt, host):
        """Drain ``host`` and wait for the end; returns the HostDrain with
        each move's outcome (nova.conductor.tasks.drain says how).
        """
        self.drain_host_async(ctxt, host)
        deadline = time.monotonic() + CONF.migration_wait_timeout
        while True:
            drain = self.drain_status(ctxt, host)
            if drain.state != drain_state.RUNNING:
                return self.drain_status(ctxt, host, outcomes=True)
            if time.monotonic() > deadline:
                raise exception.HostDrainWaitTimeout(
                    host=host, timeout=CONF.migration_wait_timeout,
                    progress=drain.progress())
            # In one process a look costs nothing and the simulator's
            # drains end in a blink: look often.
            time.sleep(DRAIN_POLL if rpc.is_local(
                self.compute_rpcapi.transport)
                else CONF.migration_poll_interval)

    def wait_background(self, timeout):
        """Wait (at most ``timeout`` s in all) for the background moves;
        returns how many are still running.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._background_lock:
                threads = list(self._background)
            remaining = deadline - time.monotonic()
            if not threads or remaining <= 0:
                return len(threads)
            threads[0].join(min(remaining, 0.1))


class _Follower(object):
    """Follows one live migration until its record is final.

    On the local transport the source's progress values arrive as they
    are reported (in the source's thread); over RabbitMQ the record is
    read every ``migration_poll_interval`` seconds.  Either way
    ``on_progress`` gets the Migration with the progress applied.
    """

    def __init__(self, transport, on_progress):
        self.transport = transport
        self.on_progress = on_progress
        self.migration = None
        self.ctxt = None
        self._key = None

    def listen(self, ctxt, instance_uuid):
        """Listen before the move is asked for: on the local transport it
        may run to its end before the request returns.
        """
        self.ctxt = ctxt
        if rpc.is_local(self.transport):
            self._key = compute_manager.progress_key(instance_uuid)
            self.transport.listen(self._key, self._pushed)

    def follow(self, migration):
        if self.migration is None or self.migration.uuid != migration.uuid:
            self.migration = migration

    def _pushed(self, progress):
        if (self.migration is None
                or self.migration.uuid != progress.migration_uuid):
            self.migration = objects.Migration.get_by_uuid(
                self.ctxt, progress.migration_uuid)
        progress.apply_to(self.migration)
        if self.on_progress is not None:
            self.on_progress(self.migration)

    def wait(self, ctxt, instance_uuid):
        migration = self.migration
        deadline = time.monotonic() + CONF.migration_wait_timeout
        seen = None
        while True:
            migration.refresh()
            if self._key is None and self.on_progress is not None:
                now = objects.MigrationProgress.of(migration)
                if seen is None or now.obj_to_primitive() != seen:
                    seen = now.obj_to_primitive()
                    self.on_progress(migration)
            if migration.is_final:
                return migration
            if time.monotonic() > deadline:
                raise exception.MigrationWaitTimeout(
                    migration_uuid=migration.uuid,
                    instance_uuid=instance_uuid,
                    timeout=CONF.migration_wait_timeout,
                    status=migration.status)
            time.sleep(CONF.migration_poll_interval)

    def close(self):
        if self._key is not None:
            self.transport.unlisten(self._key, self._pushed)
