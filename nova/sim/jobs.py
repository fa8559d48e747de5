"""An outgoing migration of the simulated network and what libvirt shows of it.

A ``MigrationJob`` couples a MigrationModel (the physics) with the domains
it moves: the source domain, and the paused domain that waits on the
destination.  The network steps every job (nova.sim.network) with its
share of the links; the job brings the domains in line with the model and
answers for libvirt's job statistics.

A migrate call ends when the job ends -- or, with a libvirt and QEMU that
can recover post-copy (libvirt 8.5.0, QEMU 3.0.0), when post-copy loses
its connection: the call fails, the guest stays paused on the source and
running (stalled) on the destination, and a new migrate call with
``VIR_MIGRATE_POSTCOPY_RESUME`` picks it up where it stopped.  Without
that support a broken post-copy loses the guest.
"""

import threading

from nova.sim import constants as c
from nova.sim import model
from nova.sim import pmem as sim_pmem

SETUP_TIME_MS = 15
MEMORY_PAGE_SIZE = model.PAGE_SIZE
#: Oldest libvirt and QEMU that resume a failed post-copy.
POSTCOPY_RESUME_VERSIONS = (8005000, 3000000)

_FINAL_JOB_TYPES = {
    model.COMPLETED: c.VIR_DOMAIN_JOB_COMPLETED,
    model.CANCELLED: c.VIR_DOMAIN_JOB_CANCELLED,
    model.FAILED: c.VIR_DOMAIN_JOB_FAILED,
    model.LOST: c.VIR_DOMAIN_JOB_FAILED,
    model.POSTCOPY_PAUSED: c.VIR_DOMAIN_JOB_FAILED,
}


def can_resume_postcopy(*hosts):
    lib, qemu = POSTCOPY_RESUME_VERSIONS
    return all(h.lib_version >= lib and h.qemu_version >= qemu
               for h in hosts)


class MigrationJob(object):
    """An outgoing migration: a MigrationModel plus the domains it moves."""

    def __init__(self, network, record, src, dst, params, flags,
                 dest_record_factory):
        self.network = network
        self.record = record
        self.src = src
        self.dst = dst
        self.params = dict(params or {})
        self.flags = flags
        #: Set when the current migrate call may return.
        self.done = threading.Event()
        self.final_stats = None
        self.ended = False
        self.started_paused = record.state == c.VIR_DOMAIN_PAUSED
        self.block = bool(flags & (c.VIR_MIGRATE_NON_SHARED_DISK |
                                   c.VIR_MIGRATE_NON_SHARED_INC))
        self.recoverable = can_resume_postcopy(src, dst)
        self._postcopy_applied = False
        self._pause_applied = False

        dest_xml = self.params.get(c.VIR_MIGRATE_PARAM_DEST_XML) or (
            record.xml)
        existing = dst.get_domain(record.uuid) or dst.get_domain(record.name)
        if existing is not None and existing.active:
            raise c.make_error(c.VIR_ERR_OPERATION_INVALID,
                               "domain '%s' is already active" % record.name)
        # The incoming QEMU opens (and from now on writes) the nvdimms.
        sim_pmem.open_devices(dst, dest_xml, record.uuid)
        self._dest_preexisting = existing is not None
        self.dest_record = existing or dest_record_factory(dst, dest_xml)
        self.dest_record.set_xml(dest_xml)
        self.dest_record.name = record.name
        self.dest_record.uuid = record.uuid
        self.dest_record.set_state(c.VIR_DOMAIN_PAUSED,
                                   c.VIR_DOMAIN_PAUSED_MIGRATION)
        self.dest_record.incoming = self
        dst.add_domain(self.dest_record)

        link = network.link_profile(src, dst)
        self.model = model.MigrationModel(
            record.get_workload(),
            bandwidth_mbps=link.capacity(network.clock.now()),
            max_bandwidth_mbps=self.params.get(
                c.VIR_MIGRATE_PARAM_BANDWIDTH, 0) or 0,
            postcopy_bandwidth_mbps=self.params.get(
                c.VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, 0) or 0,
            block_migration=self.block,
            auto_converge=bool(flags & c.VIR_MIGRATE_AUTO_CONVERGE),
            postcopy_enabled=bool(flags & c.VIR_MIGRATE_POSTCOPY),
            guest_paused=self.started_paused,
            setup_time_s=link.draw_setup_time(network.setup_time_s),
            vcpus=record.vcpus, rtt_s=link.rtt_ms / 1000.0,
            auto_converge_initial=self.params.get(
                c.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL,
                model.AUTO_CONVERGE_INITIAL),
            auto_converge_increment=self.params.get(
                c.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT,
                model.AUTO_CONVERGE_INCREMENT))

    @property
    def finished(self):
        return self.ended

    @property
    def paused(self):
        """True while post-copy waits to be resumed."""
        return self._pause_applied

    def demand(self):
        """MiB/s this job would take from the links (inf: uncapped)."""
        if self.ended or self.model.postcopy_paused:
            return 0.0
        cap = self.model.max_bandwidth
        if self.model.in_postcopy and self.model.postcopy_bandwidth > 0:
            cap = self.model.postcopy_bandwidth
        return cap if cap > 0 else float('inf')

    def advance(self, dt, level):
        """Step the migration by ``dt`` with ``level`` MiB/s of link
        (network lock held).
        """
        if self.ended:
            return
        self.model.link_bandwidth = level
        self.model.step(dt)
        self.update()

    def update(self):
        """Bring the domains in line with the model (lock held)."""
        if self.ended:
            return
        m = self.model
        if m.in_postcopy and not self._postcopy_applied:
            self._postcopy_applied = True
            self.record.set_state(c.VIR_DOMAIN_PAUSED,
                                  c.VIR_DOMAIN_PAUSED_POSTCOPY)
            self._dest_running(c.VIR_DOMAIN_RUNNING_POSTCOPY)
        if m.postcopy_paused and not self._pause_applied:
            if self.recoverable:
                self._pause()
            else:
                m.lose(m.reason + '; this libvirt cannot resume post-copy')
        if m.finished:
            self._finalize()

    def _dest_running(self, reason):
        if self.model.guest_paused:
            self.dest_record.set_state(c.VIR_DOMAIN_PAUSED,
                                       c.VIR_DOMAIN_PAUSED_USER)
        else:
            self.dest_record.set_state(c.VIR_DOMAIN_RUNNING, reason)

    def _pause(self):
        """Post-copy lost its connection: end the call, keep the guest."""
        self._pause_applied = True
        self.record.set_state(c.VIR_DOMAIN_PAUSED,
                              c.VIR_DOMAIN_PAUSED_POSTCOPY_FAILED)
        self._dest_running(c.VIR_DOMAIN_RUNNING_POSTCOPY_FAILED)
        self.final_stats = self.stats(final=True)
        self.record.job = None
        self.record.paused_job = self
        self.record.last_job = self
        self.done.set()

    def resume(self, dconnuri_host, flags):
        """A migrate call with POSTCOPY_RESUME (lock held)."""
        if not self._pause_applied:
            raise c.make_error(c.VIR_ERR_OPERATION_INVALID,
                               'post-copy migration of %s is not paused'
                               % self.record.name)
        if not flags & c.VIR_MIGRATE_POSTCOPY:
            raise c.make_error(c.VIR_ERR_ARGUMENT_UNSUPPORTED,
                               'resuming post-copy needs '
                               'VIR_MIGRATE_POSTCOPY too')
        if dconnuri_host is not self.dst:
            raise c.make_error(c.VIR_ERR_OPERATION_INVALID,
                               'post-copy of %s can only be resumed '
                               'towards %s' % (self.record.name,
                                               self.dst.uri))
        if self.network.link_bandwidth(self.src, self.dst) <= 0:
            raise c.make_error(c.VIR_ERR_OPERATION_FAILED,
                               'Failed to connect to %s: the link is down'
                               % self.dst.uri)
        self.model.resume_postcopy()
        self._pause_applied = False
        self.done = threading.Event()
        self.record.paused_job = None
        self.record.job = self
        self.record.set_state(c.VIR_DOMAIN_PAUSED,
                              c.VIR_DOMAIN_PAUSED_POSTCOPY)
        self._dest_running(c.VIR_DOMAIN_RUNNING_POSTCOPY)

    def _finalize(self):
        mode = self.model.mode
        record, dest = self.record, self.dest_record
        self.ended = True
        self.final_stats = self.stats(final=True)
        self.network.job_ended(self)
        record.job = None
        record.paused_job = None
        record.last_job = self
        dest.incoming = None
        if mode == model.COMPLETED:
            dest.workload = record.workload
            dest.persistent = dest.persistent or bool(
                self.flags & c.VIR_MIGRATE_PERSIST_DEST)
            if self.started_paused or self.flags & c.VIR_MIGRATE_PAUSED:
                dest.set_state(c.VIR_DOMAIN_PAUSED, c.VIR_DOMAIN_PAUSED_USER)
            else:
                dest.set_state(c.VIR_DOMAIN_RUNNING,
                               c.VIR_DOMAIN_RUNNING_MIGRATED)
            record.set_state(c.VIR_DOMAIN_SHUTOFF,
                             c.VIR_DOMAIN_SHUTOFF_MIGRATED)
            if (self.flags & c.VIR_MIGRATE_UNDEFINE_SOURCE or
                    not record.persistent):
                self.src.remove_domain(record)
        else:
            if self._dest_preexisting:
                dest.set_state(c.VIR_DOMAIN_SHUTOFF,
                               c.VIR_DOMAIN_SHUTOFF_UNKNOWN)
            else:
                self.dst.remove_domain(dest)
            if mode == model.LOST:
                record.set_state(c.VIR_DOMAIN_SHUTOFF,
                                 c.VIR_DOMAIN_SHUTOFF_CRASHED)
                if not record.persistent:
                    self.src.remove_domain(record)
            elif not record.active:
                pass  # destroyed while migrating
            elif self.model.guest_paused:
                record.set_state(c.VIR_DOMAIN_PAUSED,
                                 c.VIR_DOMAIN_PAUSED_USER)
            else:
                record.set_state(c.VIR_DOMAIN_RUNNING,
                                 c.VIR_DOMAIN_RUNNING_MIGRATION_CANCELED)
        self.done.set()

    def result_error(self):
        """None after success, else the libvirtError migrateToURI3 raises."""
        mode = self.model.mode
        if mode == model.COMPLETED:
            return None
        if mode == model.CANCELLED:
            return c.make_error(c.VIR_ERR_OPERATION_ABORTED,
                                'migration out job: canceled by client')
        if mode == model.LOST:
            return c.make_error(c.VIR_ERR_OPERATION_FAILED,
                                'migration out job: post-copy failed, '
                                'domain lost: %s' % self.model.reason)
        if mode == model.POSTCOPY_PAUSED:
            return c.make_error(c.VIR_ERR_OPERATION_FAILED,
                                'migration out job: post-copy failed and '
                                'is paused (%s); resume it with '
                                'VIR_MIGRATE_POSTCOPY_RESUME'
                                % self.model.reason)
        return c.make_error(c.VIR_ERR_OPERATION_FAILED,
                            'migration out job: unexpectedly failed')

    def stats(self, final=False):
        """The job statistics dict, as virDomainGetJobStats gives it."""
        t = self.model.telemetry()
        job_type = (_FINAL_JOB_TYPES[t.mode] if final
                    else c.VIR_DOMAIN_JOB_UNBOUNDED)
        stats = {
            'type': job_type,
            'time_elapsed': t.time_elapsed_ms,
            'time_remaining': 0,
            'setup_time': SETUP_TIME_MS,
            'data_total': t.data_total,
            'data_processed': t.data_processed,
            'data_remaining': t.data_remaining,
            'memory_total': t.memory_total,
            'memory_processed': t.memory_processed,
            'memory_remaining': t.memory_remaining,
            'memory_constant': t.memory_constant,
            'memory_normal': t.memory_normal,
            'memory_normal_bytes': t.memory_normal_bytes,
            'memory_bps': t.memory_bps,
            'memory_dirty_rate': t.memory_dirty_rate,
            'memory_iteration': t.memory_iteration,
            'memory_page_size': MEMORY_PAGE_SIZE,
            'memory_postcopy_requests': t.memory_postcopy_requests,
        }
        if self.block:
            stats.update(disk_total=t.disk_total,
                         disk_processed=t.disk_processed,
                         disk_remaining=t.disk_remaining,
                         disk_bps=t.disk_bps)
        if self.flags & c.VIR_MIGRATE_AUTO_CONVERGE:
            stats['auto_converge_throttle'] = t.auto_converge_throttle
        if final:
            stats['downtime'] = t.downtime_ms
            if job_type == c.VIR_DOMAIN_JOB_FAILED:
                stats['errmsg'] = self.model.reason or 'migration failed'
        return stats

    def job_info(self, final=False):
        s = self.final_stats if final else self.stats()
        return [s['type'], s['time_elapsed'], s['time_remaining'],
                s['data_total'], s['data_processed'], s['data_remaining'],
                s['memory_total'], s['memory_processed'],
                s['memory_remaining'], s.get('disk_total', 0),
                s.get('disk_processed', 0), s.get('disk_remaining', 0)]
