"""The libvirt driver's live-migration side (thin: decisions live elsewhere).

Flags come from the one policy resolver (nova.virt.migration_policy via
flags.py); what to do while a migration runs comes from the pure monitor
in migration.py; host.py and guest.py are the only code calling libvirt.
"""

import dataclasses
import os
import threading

from oslo_log import log as logging

import nova.conf
from nova import exception
from nova.objects import fields
from nova.virt import driver
from nova.virt.libvirt import flags as migrate_flags
from nova.virt.libvirt import host as libvirt_host
from nova.virt.libvirt import job
from nova.virt.libvirt import migration
from nova.virt.libvirt import sla_policy
from nova.virt.libvirt import vpmem
from nova.virt.libvirt import vpmem_xml
from nova.virt import migration_policy

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

#: Seconds between two looks at a running migration.
POLL_INTERVAL = 0.5
#: Real seconds to wait for libvirt's migrate call to return once the
#: job is over (or after an emergency abort).
JOIN_TIMEOUT = 30
#: Seconds (on the migration's clock) to wait for a post-copy migration
#: the monitor lost sight of to end on its own.
POSTCOPY_WAIT = 3600
#: Real seconds to let the migrate call's thread return between two looks.
JOIN_POLL = 0.05
#: Kernel command line of a directly booted guest, before the image's
#: os_command_line.
BASE_CMDLINE = 'console=ttyS0'
#: [libvirt] live_migration_monitor: what decides while a migration runs.
MONITORS = {'sla': sla_policy.SLAMonitor, 'timers': migration.Monitor}


@dataclasses.dataclass(frozen=True)
class Sample:
    """One look at a running migration, for timelines."""

    time_s: float
    data_remaining: int
    data_total: int
    iteration: int
    downtime_target_ms: int
    throttle: int
    phase: str


@dataclasses.dataclass
class MigrationOutcome:
    status: str
    flags: list
    policy: dict
    error: str = None
    total_time_s: float = 0.0
    downtime_ms: int = 0
    bytes_moved: int = 0
    iterations: int = 0
    actions: list = dataclasses.field(default_factory=list)
    samples: list = dataclasses.field(default_factory=list)
    #: The last statistics of the running job (a JobInfo).
    last_info: object = dataclasses.field(default=None, repr=False)
    #: The migration switched to post-copy at some point.
    postcopy_started: bool = False
    #: libvirt's migrate call returned: the job is over.
    job_ended: bool = True
    #: Why the compute service settled it otherwise than reported.
    settlement: str = None
    #: Times a post-copy whose connection broke was resumed.
    recoveries: int = 0


class _MigrateCall(threading.Thread):
    """libvirt's migrate call, which blocks until the migration ends."""

    def __init__(self, guest, dest_uri, flags, params):
        super().__init__(name='migrate-%s' % guest.uuid, daemon=True)
        self._args = (dest_uri, flags, params)
        self._guest = guest
        self.error = None

    @property
    def dest_uri(self):
        return self._args[0]

    @property
    def flags(self):
        return self._args[1]

    @property
    def params(self):
        return self._args[2]

    def run(self):
        try:
            self._guest.migrate(*self._args)
        except exception.LibvirtCallFailed as exc:
            self.error = exc


class _Active(object):
    def __init__(self, guest, monitor, outcome, call=None):
        self.guest = guest
        self.monitor = monitor
        self.outcome = outcome
        #: The migrate call running (a new one resumes a broken post-copy).
        self.call = call
        self.force = threading.Event()

    def take_force(self):
        requested = self.force.is_set()
        self.force.clear()
        return requested


class LibvirtDriver(driver.ComputeDriver):

    def __init__(self, host, conf=CONF, runner=None, monitor_factory=None):
        self._host = host
        self._conf = conf
        self._active = {}
        self._runner = runner
        # What decides during a migration: called as migration.Monitor is
        # (with the migration's sla_policy.Terms as ``terms``) and offering
        # its interface; the benchmark gives other policies.  None: as
        # [libvirt] live_migration_monitor says.
        self._monitor_factory = monitor_factory

    @property
    def clock(self):
        """The clock this host's migrations run on."""
        return self._host.clock

    @property
    def runner(self):
        """Runs ndctl and daxio on this host (injectable for tests)."""
        if self._runner is None:
            self._runner = self._host.command_runner()
        return self._runner

    # -- what the host can do ---------------------------------------------

    def get_available_resource(self, nodename):
        memory_mb, cpus = self._host.get_info()
        return {'vcpus': cpus, 'memory_mb': memory_mb,
                'local_gb': self._host.get_disk_gb(self._conf.state_path)}

    def get_vpmems(self):
        """{label: [LibvirtVPMEMDevice]} from [libvirt] pmem_namespaces."""
        return vpmem.get_vpmems(self._conf.libvirt.pmem_namespaces,
                                self.runner)

    def vpmem_inventory(self, vpmems):
        return vpmem.inventory(vpmems)

    def assign_vpmems(self, instance_uuid, host, labels, vpmems,
                      provider_uuid, allocated, in_use):
        return vpmem.assign(instance_uuid, host, labels, vpmems,
                            provider_uuid, allocated, in_use)

    def get_traits(self):
        """The capability traits this hypervisor supports."""
        return {trait for trait, supported
                in self._host.migration_traits().items() if supported}

    def update_provider_tree(self, provider_tree, nodename):
        """Report the migration traits the hypervisor supports.

        Both traits are reported whenever libvirt and QEMU are new enough,
        whatever live_migration_permit_* say: those options only choose a
        default for instances that do not ask.
        """
        for trait, supported in self._host.migration_traits().items():
            if supported:
                provider_tree.add_traits(nodename, trait)
            else:
                provider_tree.remove_traits(nodename, trait)

    # -- guests -------------------------------------------------------------

    def instance_dir(self, instance):
        """The instance's directory: ``state_path``/instances/<uuid>."""
        return os.path.join(self._conf.state_path, 'instances',
                            instance.uuid)

    def console_log_path(self, instance):
        """Where the guest's serial console is written (real hosts)."""
        return os.path.join(self.instance_dir(instance), 'console.log')

    def _boot_options(self, instance):
        """guest_xml's direct-boot and console arguments."""
        lv = self._conf.libvirt
        options = {'virt_type': lv.virt_type}
        if not self._host.simulated:
            # The simulated hypervisor has no file system to write to.
            os.makedirs(self.instance_dir(instance), exist_ok=True)
            options['console_log'] = self.console_log_path(instance)
        if lv.guest_kernel:
            extra = instance.image_meta.properties.get('os_command_line')
            options.update(kernel=lv.guest_kernel,
                           initrd=lv.guest_initrd or None,
                           cmdline=' '.join(filter(None, (BASE_CMDLINE,
                                                          extra))))
        return options

    def spawn(self, instance):
        """Define and start the instance's domain (with its vPMEM)."""
        resources = instance.resources
        xml = vpmem_xml.guest_xml(
            instance.uuid, 'instance-%s' % instance.uuid[:8],
            instance.flavor.memory_mb, instance.flavor.vcpus,
            vpmems=resources.vpmems if resources else (),
            **self._boot_options(instance))
        return self._host.define_guest(xml)

    def destroy(self, instance):
        """Stop and forget the instance's domain here, if there is one."""
        self.destroy_by_uuid(instance.uuid)

    def destroy_by_uuid(self, uuid):
        guest = self._host.find_guest(uuid)
        if guest is not None:
            guest.destroy()

    def has_guest(self, instance):
        return self._host.find_guest(instance.uuid) is not None

    def list_instance_uuids(self):
        return self._host.list_guest_uuids()

    def guest_power_state(self, instance):
        """The power state of the instance's domain here, None if this
        hypervisor has no domain of it.
        """
        guest = self._host.find_guest(instance.uuid)
        return None if guest is None else guest.power_state()

    def list_guest_power_states(self):
        """{instance uuid: power state} of every domain of this host."""
        states = {}
        for guest in self._host.list_guests():
            try:
                states[guest.uuid] = guest.power_state()
            except exception.LibvirtCallFailed as exc:
                # Undefined between the listing and the look: gone.
                LOG.debug('Domain %s went away while listed: %s',
                          guest.uuid, exc)
        return states

    def check_vpmem_paths(self, paths):
        """Every device path must be one of this host's namespaces."""
        known = {dev.devpath for devs in self.get_vpmems().values()
                 for dev in devs}
        missing = sorted(set(paths) - known)
        if missing:
            raise exception.MigrationPreCheckError(
                reason='vPMEM device(s) %s do not exist on %s' % (
                    ', '.join(missing), self._host.uri))

    def cleanup_vpmems_devices(self, devices):
        """Zero vPMEM namespaces (daxio -z) so no data outlives a guest."""
        if devices:
            vpmem.zero(self.runner, devices)

    def destination_xml(self, instance):
        """The domain XML for the destination, built here on the source.

        vPMEM device paths are those the destination claimed (the
        migration context's new resources), matched by label and order.
        None when the instance has no vPMEM: libvirt then uses the source
        XML as it is.
        """
        ctx = instance.migration_context
        old = ctx.old_resources.vpmems if ctx and ctx.old_resources else []
        new = ctx.new_resources.vpmems if ctx and ctx.new_resources else []
        if not old and not new:
            return None
        xml = self._host.get_guest(instance).get_xml_desc(migratable=True)
        return vpmem_xml.destination_xml(instance.uuid, xml, old, new)

    # -- per-instance policy ----------------------------------------------

    def migration_policy(self, instance, paused=False, purpose=None,
                         capabilities=None):
        """The resolved policy (features, tier, limits); an instance with
        vPMEM (in its flavor or among its resources) never gets
        post-copy, whatever the host permits.
        """
        lv = self._conf.libvirt
        resources = instance.resources if instance.obj_attr_is_set(
            'resources') else None
        return migration_policy.resolve(
            instance.flavor, instance.image_meta,
            permit_post_copy=lv.live_migration_permit_post_copy,
            permit_auto_converge=lv.live_migration_permit_auto_converge,
            paused=paused, default_tier=lv.live_migration_sla_default,
            purpose=purpose, capabilities=capabilities,
            vpmem=bool(resources and resources.vpmems))

    def live_migration_flags(self, instance, block_migration=False,
                             paused=False, purpose=None):
        policy = self.migration_policy(instance, paused=paused,
                                       purpose=purpose)
        return migrate_flags.migration_flags(policy, block_migration)

    def migration_capabilities(self, dest_uri):
        """What this host can do for a migration to ``dest_uri``: its
        traits, with POSTCOPY_RESUME only when the destination can resume
        a broken post-copy too.
        """
        caps = set(self.get_traits())
        if (libvirt_host.POSTCOPY_RESUME_TRAIT in caps
                and not self._host.can_resume_postcopy(dest_uri)):
            caps.discard(libvirt_host.POSTCOPY_RESUME_TRAIT)
        return caps

    # -- running a migration ----------------------------------------------

    @property
    def live_migration_inbound_addr(self):
        """Where other hosts send migration traffic for this host (or
        None); the source passes it to live_migration() as
        ``target_connect_addr``.
        """
        return self._conf.libvirt.live_migration_inbound_addr

    @staticmethod
    def migration_params(bandwidth=0, dest_xml=None,
                         target_connect_addr=None):
        """migrateToURI3's typed parameters (libvirt's names)."""
        params = {}
        if bandwidth:
            params['bandwidth'] = bandwidth
        if dest_xml:
            params['destination_xml'] = dest_xml
        if target_connect_addr:
            addr = target_connect_addr
            if ':' in addr and not addr.startswith('['):
                addr = '[%s]' % addr  # an IPv6 address in a URI
            params['migrate_uri'] = 'tcp://%s' % addr
            params['listen_address'] = target_connect_addr
        return params

    def live_migration(self, instance, dest_host, migration_obj,
                       block_migration=False, copied_disk_gb=(),
                       dest_xml=None, on_progress=None,
                       target_connect_addr=None, purpose=None):
        """Migrate ``instance`` to ``dest_host``; returns MigrationOutcome.

        ``purpose`` (a MigrationPurpose value; None: the default) says how
        much finishing this migration matters.

        Returns once the migration completed, failed or was cancelled; the
        Migration object carries the final status and byte counts and is
        handed to ``on_progress`` whenever it should be saved.
        ``target_connect_addr`` is the destination's
        ``live_migration_inbound_addr``: the memory stream goes there.
        """
        guest = self._host.get_guest(instance)
        lv = self._conf.libvirt
        dest_uri = self._host.migration_uri(dest_host,
                                            lv.live_migration_uri_template)
        caps = self.migration_capabilities(dest_uri)
        policy = self.migration_policy(instance, paused=guest.is_paused(),
                                       purpose=purpose, capabilities=caps)
        flags = migrate_flags.migration_flags(policy, block_migration)
        params = self.migration_params(lv.live_migration_bandwidth,
                                       dest_xml, target_connect_addr)
        clock = self._host.clock
        start = clock.now()
        has_pc = bool(flags & migrate_flags.MigrateFlag.POSTCOPY)
        has_ac = bool(flags & migrate_flags.MigrateFlag.AUTO_CONVERGE)
        factory = self._monitor_factory or MONITORS[
            lv.live_migration_monitor]
        monitor = factory(
            start, migration.MonitorConfig.from_conf(lv), has_pc, has_ac,
            migration.data_gib(instance.flavor.memory_mb, copied_disk_gb),
            terms=sla_policy.Terms.from_policy(
                policy, has_pc, has_ac,
                libvirt_host.POSTCOPY_RESUME_TRAIT in caps))
        outcome = MigrationOutcome(
            status=fields.MigrationStatus.RUNNING,
            flags=migrate_flags.flag_names(flags), policy=policy.as_dict())
        active = _Active(guest, monitor, outcome,
                         _MigrateCall(guest, dest_uri, flags, params))
        self._active[instance.uuid] = active
        LOG.info('Live migrating %s to %s with %s (SLA tier %s, purpose %s)',
                 instance.uuid, dest_host, ', '.join(outcome.flags),
                 policy.limits.tier, policy.limits.purpose)
        try:
            self._save(migration_obj,
                       {'status': fields.MigrationStatus.RUNNING},
                       on_progress)
            active.call.start()
            try:
                info = self._watch(active, clock, start, migration_obj,
                                   on_progress, outcome)
            except Exception as exc:
                # Never leave a libvirt job running unwatched: split brain.
                LOG.exception('Monitoring the migration of %s failed',
                              instance.uuid)
                outcome.error = 'monitoring the migration failed: %s' % exc
                info = self._stop_unwatched(active, clock)
        finally:
            self._active.pop(instance.uuid, None)
        info = self._final_job_info(instance, dest_uri, active.call, info,
                                    outcome)
        return self._finish(active, info, migration_obj, on_progress,
                            outcome)

    def _final_job_info(self, instance, dest_uri, call, info, outcome):
        """The finished job's statistics.

        Real libvirt forgets a migrated domain on the source (and with it
        the job's statistics): after a completed migration they are read
        from the destination; failing that (or when libvirt kept nothing
        of a failed job) the last running sample stands in for them.
        """
        if info.data_total:
            return info
        if call.error is None:
            final = self._host.completed_job_info(dest_uri, instance.uuid)
            if final is not None and final.data_total:
                return final
        return outcome.last_info or info

    def _watch(self, active, clock, start, migration_obj, on_progress,
               outcome):
        guest, monitor = active.guest, active.monitor
        downtime_target = 0
        seen_active = False
        while True:
            now = clock.now()
            info = guest.get_job_info()
            if info.is_active:
                seen_active = True
                outcome.last_info = info
                for decision in monitor.step(
                        now, info, force_requested=active.take_force()):
                    phase = monitor.phase
                    if not self._apply_unless_over(guest, decision):
                        break
                    monitor.record(decision)
                    outcome.actions.append((round(now - start, 3), decision))
                    if decision.action is migration.Action.SET_DOWNTIME:
                        downtime_target = decision.value
                    if monitor.phase is not phase:
                        self._save(migration_obj, monitor.progress(info),
                                   on_progress)
                outcome.samples.append(Sample(
                    round(now - start, 3), info.data_remaining,
                    info.data_total, info.memory_iteration, downtime_target,
                    info.auto_converge_throttle, monitor.phase.name))
                if monitor.should_save(now):
                    self._save(migration_obj, monitor.progress(info),
                               on_progress)
            elif not active.call.is_alive() or (seen_active and
                                                info.is_finished):
                if not self._recovering(active, now, start, info):
                    active.call.join(JOIN_TIMEOUT)
                    return guest.get_job_info()
            clock.sleep(POLL_INTERVAL)

    def _recovering(self, active, now, start, info):
        """Resume a post-copy whose connection broke, as the monitor
        decides; True while the monitor still means to (keep watching).
        """
        monitor, guest = active.monitor, active.guest
        if (monitor.phase is not migration.Phase.POSTCOPY
                or info.type == job.JOB_COMPLETED):
            return False
        # libvirt reported the end: let its migrate call return (bounded).
        active.call.join(JOIN_TIMEOUT)
        if active.call.is_alive():
            return True
        try:
            failed = guest.is_postcopy_failed()
        except exception.LibvirtCallFailed:
            failed = False  # the source domain is gone: it ended
        if not failed:
            return False
        for decision in monitor.step(now, info, postcopy_failed=True):
            if decision.action is not migration.Action.RECOVER_POSTCOPY:
                continue
            LOG.info('Migration of %s: %s', guest.uuid, decision.reason)
            call = active.call
            active.call = _MigrateCall(
                guest, call.dest_uri,
                migrate_flags.resume_flags(call.flags), call.params)
            active.call.start()
            self._await_resume(active)
            monitor.record(decision)
            active.outcome.actions.append((round(now - start, 3), decision))
            active.outcome.recoveries += 1
        return monitor.awaiting_recovery

    @staticmethod
    def _await_resume(active):
        """Wait (real time, bounded) until the resume call failed or the
        post-copy runs again, so that what follows does not depend on
        how fast the call's thread was scheduled.
        """
        waited = 0.0
        while active.call.is_alive() and waited < JOIN_TIMEOUT:
            try:
                if not active.guest.is_postcopy_failed():
                    return
            except exception.LibvirtCallFailed:
                return
            active.call.join(JOIN_POLL / 10)
            waited += JOIN_POLL / 10

    def _stop_unwatched(self, active, clock):
        """End a job the monitor lost sight of; returns the last JobInfo.

        Pre-copy is aborted.  Post-copy cannot be (and must not be:
        the guest's memory is split between the hosts), so it is waited
        for -- it ends on its own.  Either way the wait for libvirt's
        migrate call is bounded; the outcome says whether the job ended.
        """
        postcopy = active.monitor.phase is migration.Phase.POSTCOPY
        if postcopy:
            LOG.warning('Migration of %s is in post-copy: waiting for it '
                        'to end instead of aborting it', active.guest.uuid)
            limit = POSTCOPY_WAIT
        else:
            LOG.warning('Aborting the migration of %s', active.guest.uuid)
            self._abort_quietly(active.guest)
            limit = JOIN_TIMEOUT
        waited = 0.0
        while True:
            # A short real wait lets the call's thread return once libvirt
            # ended the job (the simulator's clock needs no real time).
            active.call.join(JOIN_POLL)
            if not active.call.is_alive() or waited >= limit:
                break
            clock.sleep(POLL_INTERVAL)
            waited += POLL_INTERVAL
        try:
            return active.guest.get_job_info()
        except exception.NovaException as exc:
            LOG.warning('No job statistics for %s after the monitor '
                        'failed: %s', active.guest.uuid, exc)
            return active.outcome.last_info or job.JobInfo()

    def _apply_unless_over(self, guest, decision):
        """Apply a decision; False if the job ended before it could be.

        Between two looks a migration can finish (real libvirt then
        forgets the source domain at once): a call failing then is no
        monitor failure.
        """
        try:
            self._apply(guest, decision)
        except exception.LibvirtCallFailed:
            if guest.get_job_info().is_active:
                raise
            LOG.info('Migration of %s ended before %s could be applied',
                     guest.uuid, decision.action.name)
            return False
        return True

    @staticmethod
    def _apply(guest, decision):
        action = decision.action
        LOG.info('Migration of %s: %s %s (%s)', guest.uuid, action.name,
                 '' if decision.value is None else decision.value,
                 decision.reason)
        if action is migration.Action.SET_DOWNTIME:
            guest.migrate_configure_max_downtime(decision.value)
        elif action is migration.Action.START_POSTCOPY:
            guest.migrate_start_postcopy()
        elif action is migration.Action.PAUSE:
            guest.pause()
        elif action is migration.Action.ABORT:
            guest.abort_job()
        # RECOVER_POSTCOPY is a new migrate call (see _recovering);
        # WAIT_FOR_LINK is nothing for libvirt.

    def _finish(self, active, info, migration_obj, on_progress, outcome):
        monitor = active.monitor
        error = active.call.error
        outcome.postcopy_started = monitor.postcopy_started
        outcome.job_ended = not active.call.is_alive()
        if not outcome.job_ended:
            status = fields.MigrationStatus.ERROR
            error = exception.NovaException(
                'the libvirt migration job did not end')
        elif error is None:
            # (Even when the monitor failed: libvirt's call succeeded, and
            # the compute service checks where the guest runs anyway.)
            status = fields.MigrationStatus.COMPLETED
        elif error.kwargs.get('aborted'):
            status = fields.MigrationStatus.CANCELLED
        elif monitor.postcopy_started:
            # The guest's memory was split across the hosts; the compute
            # service looks where it is before anything is cleaned up.
            status = fields.MigrationStatus.ERROR
        else:
            status = fields.MigrationStatus.FAILED
        if status != fields.MigrationStatus.COMPLETED:
            outcome.error = '; '.join(filter(None, (outcome.error,
                                                    str(error))))
            aborts = [d for _t, d in outcome.actions
                      if d.action is migration.Action.ABORT]
            if aborts:
                outcome.error = '%s (%s)' % (aborts[-1].reason, error)
            if monitor.needs_resume_on_failure:
                self._resume_quietly(active.guest)
        outcome.status = status
        outcome.total_time_s = info.time_elapsed / 1000.0
        outcome.downtime_ms = info.downtime
        outcome.bytes_moved = info.data_processed
        outcome.iterations = info.memory_iteration
        progress = monitor.progress(info)
        progress['status'] = status
        self._save(migration_obj, progress, on_progress)
        LOG.info('Live migration of %s ended: %s', active.guest.uuid, status)
        return outcome

    @staticmethod
    def _save(migration_obj, progress, on_progress):
        for key in ('memory_total', 'memory_processed', 'memory_remaining',
                    'disk_total', 'disk_processed', 'disk_remaining'):
            if key in progress:
                setattr(migration_obj, key, progress[key])
        migration_obj.status = progress['status']
        if on_progress is not None:
            on_progress(migration_obj)

    @staticmethod
    def _abort_quietly(guest):
        try:
            guest.abort_job()
        except exception.NovaException as exc:
            LOG.warning('Could not abort the migration job of %s: %s',
                        guest.uuid, exc)

    @staticmethod
    def _resume_quietly(guest):
        try:
            if guest.is_paused():
                guest.resume()
        except exception.NovaException as exc:
            LOG.warning('Could not resume %s after the failed migration: '
                        '%s', guest.uuid, exc)

    # -- requests from the API while a migration runs ---------------------

    def _running(self, instance):
        active = self._active.get(instance.uuid)
        if active is None:
            raise exception.NoActiveMigration(instance_uuid=instance.uuid)
        return active

    def is_monitoring(self, instance_uuid):
        """Whether this driver's monitor follows a migration of it."""
        return instance_uuid in self._active

    def wait_for_migration_job(self, instance, poll_interval):
        """Wait for a migration job no monitor follows (its service
        restarted) to end; abort it after the completion timeout.
        Returns False when it had to be aborted.
        """
        guest = self._host.find_guest(instance.uuid)
        clock = self._host.clock
        deadline = clock.now() + max(
            self._conf.libvirt.live_migration_completion_timeout, 1)
        while guest is not None:
            try:
                if not guest.get_job_info().is_active:
                    return True
            except exception.NovaException as exc:
                LOG.warning('Cannot read the job of %s: %s', instance.uuid,
                            exc)
                return True
            if clock.now() >= deadline:
                self._abort_quietly(guest)
                return False
            clock.sleep(poll_interval)
        return True

    def migration_progress(self, instance_uuid):
        """(latest Sample or None, actions so far) of the migration of
        ``instance_uuid`` running from this host, or None if none runs.
        """
        active = self._active.get(instance_uuid)
        if active is None:
            return None
        samples = active.outcome.samples
        return (samples[-1] if samples else None), list(
            active.outcome.actions)

    def live_migration_force_complete(self, instance):
        """Ask the monitor to force the running migration to complete."""
        self._running(instance).force.set()

    def live_migration_abort(self, instance):
        """Abort a running pre-copy migration; refused in post-copy."""
        active = self._running(instance)
        migration.check_abort_allowed(active.monitor.phase,
                                      instance_uuid=instance.uuid)
        try:
            active.guest.abort_job()
        except exception.LibvirtCallFailed as exc:
            # The job may have ended between the check and the call (the
            # source domain is then gone): nothing is left to abort.
            try:
                still = active.guest.get_job_info().is_active
            except exception.LibvirtCallFailed:
                still = False
            if still:
                raise
            LOG.info('Abort of %s arrived after its migration ended: %s',
                     instance.uuid, exc)
            raise exception.NoActiveMigration(instance_uuid=instance.uuid)
