"""The compute API layer: what a user's request goes through first."""

import threading
import time

from oslo_log import log as logging
from oslo_utils import uuidutils

from nova.api.validation.extra_specs import validators
from nova import exception
from nova import objects
from nova.objects import fields
from nova.virt import migration_policy

LOG = logging.getLogger(__name__)
#: vm_states from which an instance may be live-migrated or evacuated.
MIGRATABLE_STATES = (fields.VMState.ACTIVE, fields.VMState.PAUSED)
EVACUABLE_STATES = (fields.VMState.ACTIVE, fields.VMState.STOPPED,
                    fields.VMState.ERROR)
DELETABLE_STATES = (fields.VMState.ACTIVE, fields.VMState.PAUSED,
                    fields.VMState.STOPPED, fields.VMState.ERROR)


class API(object):

    def __init__(self, scheduler, compute_rpcapi=None, conductor=None):
        self.scheduler = scheduler
        self.compute_rpcapi = compute_rpcapi
        self.conductor = conductor
        #: Threads of the moves started by live_migrate_async.
        self._background = set()
        self._background_lock = threading.Lock()

    @staticmethod
    def validate_boot_request(flavor, image):
        """Check a flavor and an image dict before anything is created.

        Returns the ImageMeta.  Raises a typed Invalid error naming the key,
        the value and the rule for a bad extra spec or image property, a
        flavor/image disagreement, or auto-converge and post-copy both
        requested.
        """
        validators.validate_extra_specs(flavor.extra_specs)
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
            self.compute_rpcapi.call(selection.host,
                                     'build_and_run_instance', ctxt,
                                     instance, selection.allocations)
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
            self.compute_rpcapi.call(instance.host, 'terminate_instance',
                                     ctxt, instance)
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

    def live_migrate(self, ctxt, instance, host=None, block_migration=False,
                     force=False, on_progress=None):
        """Live-migrate ``instance``; returns (Migration, MigrationOutcome).

        The instance is marked ``migrating`` first (compare-and-swap), so a
        second request for it is refused at once.  Every later refusal or
        failure puts the task state back (the conductor and the compute
        services own that from here).
        """
        self._start_task(instance, fields.TaskState.MIGRATING,
                         'live migration', MIGRATABLE_STATES)
        return self.conductor.live_migrate_instance(
            ctxt, instance, host=host, block_migration=block_migration,
            force=force, on_progress=on_progress)

    def evacuate(self, ctxt, instance, host=None):
        """Rebuild ``instance`` of a down host elsewhere; returns the
        Migration.  Refused before any change unless the instance's host
        is down and no task runs on the instance.
        """
        if self.compute_rpcapi.is_up(instance.host):
            raise exception.ComputeServiceStillUp(host=instance.host)
        self._start_task(instance, fields.TaskState.REBUILDING, 'evacuation',
                         EVACUABLE_STATES)
        return self.conductor.evacuate_instance(ctxt, instance, host=host)

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
                           accept_timeout=60.0):
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
        """
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
                migration, _outcome = self.conductor.live_migrate_instance(
                    ctxt, instance, host=host,
                    block_migration=block_migration, force=force,
                    on_progress=on_progress)
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
