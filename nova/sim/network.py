"""The simulated data centre: hosts, links, domains and migration jobs.

One ``Network`` holds a ``VirtualClock``, the hosts (keyed by URI), the
bandwidth of the links between them and the migrations in flight.  A
single re-entrant lock per network guards all of it, so job statistics can
be read from one thread while another blocks in a migration and a third
drives the clock.
"""

import threading
import urllib.parse
import uuid as uuidlib
from xml.etree import ElementTree

from nova.sim import clock as sim_clock
from nova.sim import constants as c
from nova.sim import model
from nova.sim import pmem as sim_pmem

DEFAULT_LINK_BANDWIDTH_MBPS = 1250.0
SETUP_TIME_MS = 15
MEMORY_PAGE_SIZE = model.PAGE_SIZE

_MEMORY_UNITS = {
    'b': 1, 'bytes': 1,
    'kb': 1000, 'k': 1024, 'kib': 1024,
    'mb': 1000 ** 2, 'm': 1024 ** 2, 'mib': 1024 ** 2,
    'gb': 1000 ** 3, 'g': 1024 ** 3, 'gib': 1024 ** 3,
    'tb': 1000 ** 4, 't': 1024 ** 4, 'tib': 1024 ** 4,
}

_FINAL_JOB_TYPES = {
    model.COMPLETED: c.VIR_DOMAIN_JOB_COMPLETED,
    model.CANCELLED: c.VIR_DOMAIN_JOB_CANCELLED,
    model.FAILED: c.VIR_DOMAIN_JOB_FAILED,
    model.LOST: c.VIR_DOMAIN_JOB_FAILED,
}


def parse_domain_xml(xml):
    """Return (xml text, name, uuid, memory KiB, vcpus) of a domain XML.

    A missing <uuid> is generated and written into the returned text.
    """
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise c.make_error(c.VIR_ERR_XML_ERROR, str(exc))
    name = (root.findtext('name') or '').strip()
    if root.tag != 'domain' or not name:
        raise c.make_error(c.VIR_ERR_XML_ERROR,
                           'a domain XML needs <domain> and <name>')
    uuid = (root.findtext('uuid') or '').strip()
    if not uuid:
        uuid = str(uuidlib.uuid4())
        ElementTree.SubElement(root, 'uuid').text = uuid
        xml = ElementTree.tostring(root, encoding='unicode')
    memory_kib = 1024 * 1024
    mem = root.find('memory')
    if mem is not None and (mem.text or '').strip():
        unit = _MEMORY_UNITS.get(mem.get('unit', 'KiB').lower())
        if unit is None:
            raise c.make_error(c.VIR_ERR_XML_ERROR,
                               'unknown memory unit %r' % mem.get('unit'))
        memory_kib = int(mem.text.strip()) * unit // 1024
    vcpus = int((root.findtext('vcpu') or '1').strip())
    return xml, name, uuid, memory_kib, vcpus


class DomainRecord(object):
    """A domain as one host's hypervisor knows it."""

    def __init__(self, host, xml, persistent):
        self.host = host
        self.persistent = bool(persistent)
        self.state = c.VIR_DOMAIN_SHUTOFF
        self.reason = c.VIR_DOMAIN_SHUTOFF_UNKNOWN
        self.workload = None
        self.job = None
        self.last_job = None
        self.boot_time = None
        self.id = -1
        #: jobStats calls still to fail with libvirt's end-of-migration
        #: race (see virDomain.simInjectJobStatsRace).
        self.job_stats_race = 0
        self.set_xml(xml)

    def set_xml(self, xml):
        (self.xml, self.name, self.uuid, self.memory_kib,
         self.vcpus) = parse_domain_xml(xml)

    @property
    def memory_mb(self):
        return self.memory_kib / 1024.0

    @property
    def active(self):
        return self.state not in (c.VIR_DOMAIN_SHUTOFF, c.VIR_DOMAIN_CRASHED)

    @property
    def defined(self):
        """True while the host still knows this domain."""
        return self.host.get_domain(self.uuid) is self

    def get_workload(self):
        return self.workload or model.Workload.idle(self.memory_mb)

    def set_state(self, state, reason):
        was_active = self.active
        self.state, self.reason = state, reason
        if self.active and not was_active:
            self.boot_time = self.host.network.clock.now()
            self.id = self.host.next_id()
        elif not self.active:
            self.id = -1


class SimHost(object):
    """A hypervisor host of the simulated network."""

    def __init__(self, network, uri, hostname, lib_version, qemu_version,
                 memory_mb, cpus, pmem_namespaces=None):
        self.network = network
        self.uri = uri
        self.hostname = hostname
        self.lib_version = lib_version
        self.qemu_version = qemu_version
        self.memory_mb = memory_mb
        self.cpus = cpus
        self.arch = 'x86_64'
        self.uuid = str(uuidlib.uuid4())
        self.failed = False
        self._domains = {}
        self._last_id = 0
        self.pmem = sim_pmem.SimPmem(pmem_namespaces, lock=network.lock)

    def __repr__(self):
        return '<SimHost %s>' % self.uri

    def next_id(self):
        self._last_id += 1
        return self._last_id

    def get_domain(self, name_or_uuid):
        """The DomainRecord with this name or UUID, or None."""
        with self.network.lock:
            if name_or_uuid in self._domains:
                return self._domains[name_or_uuid]
            for record in self._domains.values():
                if record.name == name_or_uuid:
                    return record
            return None

    def domains(self):
        with self.network.lock:
            return list(self._domains.values())

    def add_domain(self, record):
        with self.network.lock:
            self._domains[record.uuid] = record

    def remove_domain(self, record):
        with self.network.lock:
            if self._domains.get(record.uuid) is record:
                del self._domains[record.uuid]


def _link_key(src, dst):
    return frozenset((src.uri, dst.uri))


class Network(object):
    """Hosts, links between them, faults, and the clock driving them."""

    def __init__(self, clock=None,
                 bandwidth_mbps=DEFAULT_LINK_BANDWIDTH_MBPS):
        self.clock = clock if clock is not None else (
            sim_clock.VirtualClock())
        self.lock = threading.RLock()
        self.default_bandwidth = float(bandwidth_mbps)
        #: Seconds each migration spends setting up before sending pages
        #: (0: none; the calibration against the real lab sets it).
        self.setup_time_s = 0.0
        self._hosts = {}
        self._bandwidth = {}
        self._down_until = {}
        self._jobs = []

    # -- hosts and links -----------------------------------------------

    def add_host(self, uri, hostname=None, lib_version=9000000,
                 qemu_version=7002000, memory_mb=65536, cpus=32,
                 pmem_namespaces=None):
        """Register a host reachable at ``uri``; return its SimHost.

        ``pmem_namespaces`` lists the host's devdax namespaces as (name,
        size in bytes) pairs or dicts with name, size, align and region
        (see nova.sim.pmem).
        """
        with self.lock:
            if uri in self._hosts:
                raise ValueError('host %s already exists' % uri)
            if hostname is None:
                hostname = urllib.parse.urlparse(uri).hostname or uri
            host = SimHost(self, uri, hostname, lib_version, qemu_version,
                           memory_mb, cpus, pmem_namespaces)
            self._hosts[uri] = host
            return host

    def get_host(self, host):
        """Find a host by SimHost, URI or hostname (KeyError if none)."""
        with self.lock:
            if isinstance(host, SimHost):
                return host
            if host in self._hosts:
                return self._hosts[host]
            for candidate in self._hosts.values():
                if candidate.hostname == host:
                    return candidate
            raise KeyError('unknown host %r' % (host,))

    def find_host(self, uri):
        with self.lock:
            return self._hosts.get(uri)

    @property
    def hosts(self):
        with self.lock:
            return list(self._hosts.values())

    def set_link_bandwidth(self, src_host, dst_host, bandwidth_mbps):
        """Set the bandwidth (MiB/s) of the link between two hosts."""
        with self.lock:
            key = _link_key(self.get_host(src_host), self.get_host(dst_host))
            self._bandwidth[key] = float(bandwidth_mbps)

    def link_bandwidth(self, src_host, dst_host, now=None):
        """The link's bandwidth in MiB/s, 0 while it is dropped."""
        with self.lock:
            key = _link_key(self.get_host(src_host), self.get_host(dst_host))
            now = self.clock.now() if now is None else now
            if now < self._down_until.get(key, float('-inf')):
                return 0.0
            return self._bandwidth.get(key, self.default_bandwidth)

    def drop_link(self, src_host, dst_host, seconds):
        """Cut the link between two hosts for ``seconds`` of virtual time."""
        with self.lock:
            key = _link_key(self.get_host(src_host), self.get_host(dst_host))
            until = self.clock.now() + seconds
            self._down_until[key] = max(until, self._down_until.get(
                key, float('-inf')))

    def fail_host(self, host):
        """The host dies: its migrations break, its guests crash."""
        with self.lock:
            host = self.get_host(host)
            host.failed = True
            for job in list(self._jobs):
                if job.dst is host:
                    job.model.fail('destination host %s failed' % host.uri)
                elif job.src is host:
                    job.model.lose('source host %s failed' % host.uri)
                job.update()
            for record in host.domains():
                if record.active:
                    record.set_state(c.VIR_DOMAIN_SHUTOFF,
                                     c.VIR_DOMAIN_SHUTOFF_CRASHED)
                if not record.persistent:
                    host.remove_domain(record)

    def restore_host(self, host):
        """Bring a failed host back (its guests stay shut off)."""
        with self.lock:
            self.get_host(host).failed = False

    # -- migrations ----------------------------------------------------

    @property
    def jobs(self):
        """The migrations in flight."""
        with self.lock:
            return list(self._jobs)

    def fail_all_jobs(self, reason='simulation stopped'):
        """Break every migration in flight.

        Guests in pre-copy stay on the source; guests in post-copy are lost.
        """
        with self.lock:
            for job in list(self._jobs):
                job.model.fail(reason)
                job.update()

    def _resolve_uri(self, uri):
        """The host registered under ``uri``, else the one whose hostname
        the URI names (as libvirt would reach it), else None.
        """
        host = self._hosts.get(uri)
        if host is None and uri:
            name = urllib.parse.urlparse(uri).hostname
            for candidate in self._hosts.values():
                if name and candidate.hostname == name:
                    return candidate
        return host

    def _share(self, job, now):
        bandwidth = self.link_bandwidth(job.src, job.dst, now)
        key = _link_key(job.src, job.dst)
        sharing = sum(1 for other in self._jobs
                      if _link_key(other.src, other.dst) == key)
        return bandwidth / max(1, sharing)

    def start_migration(self, record, dconnuri, params, flags):
        """Validate a migrateToURI3 call and start its job."""
        with self.lock:
            src = record.host
            if not record.defined:
                raise c.make_error(c.VIR_ERR_NO_DOMAIN,
                                   "no domain with matching uuid '%s' (%s)"
                                   % (record.uuid, record.name))
            if not record.active:
                raise c.make_error(c.VIR_ERR_OPERATION_INVALID,
                                   'domain is not running')
            if record.job is not None:
                raise c.make_error(c.VIR_ERR_OPERATION_INVALID,
                                   'domain %s already has a job running'
                                   % record.name)
            if not flags & c.VIR_MIGRATE_LIVE:
                raise c.make_error(c.VIR_ERR_ARGUMENT_UNSUPPORTED,
                                   'only live migration is simulated')
            if not flags & c.VIR_MIGRATE_PEER2PEER:
                raise c.make_error(c.VIR_ERR_ARGUMENT_UNSUPPORTED,
                                   'only peer-to-peer migration is '
                                   'simulated')
            if (flags & c.VIR_MIGRATE_POSTCOPY and
                    flags & c.VIR_MIGRATE_TUNNELLED):
                raise c.make_error(c.VIR_ERR_ARGUMENT_UNSUPPORTED,
                                   'post-copy is not supported with '
                                   'tunnelled migration')
            dst = self._resolve_uri(dconnuri)
            if dst is None or dst.failed:
                raise c.make_error(c.VIR_ERR_OPERATION_FAILED,
                                   'Failed to connect to remote libvirt '
                                   'URI %s' % dconnuri)
            if dst is src:
                raise c.make_error(c.VIR_ERR_INTERNAL_ERROR,
                                   'Attempt to migrate guest to the same '
                                   'host %s' % src.hostname)
            job = MigrationJob(self, record, src, dst, params, flags)
            self._jobs.append(job)
            record.job = job
            self.clock.add_ticker(job.tick)
            return job


class MigrationJob(object):
    """An outgoing migration: a MigrationModel plus the domains it moves."""

    def __init__(self, network, record, src, dst, params, flags):
        self.network = network
        self.record = record
        self.src = src
        self.dst = dst
        self.params = dict(params or {})
        self.flags = flags
        self.done = threading.Event()
        self.final_stats = None
        self.started_paused = record.state == c.VIR_DOMAIN_PAUSED
        self.block = bool(flags & (c.VIR_MIGRATE_NON_SHARED_DISK |
                                   c.VIR_MIGRATE_NON_SHARED_INC))
        self._postcopy_applied = False

        dest_xml = self.params.get(c.VIR_MIGRATE_PARAM_DEST_XML) or (
            record.xml)
        existing = dst.get_domain(record.uuid) or dst.get_domain(record.name)
        if existing is not None and existing.active:
            raise c.make_error(c.VIR_ERR_OPERATION_INVALID,
                               "domain '%s' is already active" % record.name)
        # The incoming QEMU opens (and from now on writes) the nvdimms.
        sim_pmem.open_devices(dst, dest_xml, record.uuid)
        self._dest_preexisting = existing is not None
        self.dest_record = existing or DomainRecord(dst, dest_xml, False)
        self.dest_record.set_xml(dest_xml)
        self.dest_record.name = record.name
        self.dest_record.uuid = record.uuid
        self.dest_record.set_state(c.VIR_DOMAIN_PAUSED,
                                   c.VIR_DOMAIN_PAUSED_MIGRATION)
        dst.add_domain(self.dest_record)

        workload = record.get_workload()
        self.model = model.MigrationModel(
            workload,
            bandwidth_mbps=network.link_bandwidth(src, dst),
            max_bandwidth_mbps=self.params.get(
                c.VIR_MIGRATE_PARAM_BANDWIDTH, 0) or 0,
            postcopy_bandwidth_mbps=self.params.get(
                c.VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, 0) or 0,
            block_migration=self.block,
            auto_converge=bool(flags & c.VIR_MIGRATE_AUTO_CONVERGE),
            postcopy_enabled=bool(flags & c.VIR_MIGRATE_POSTCOPY),
            guest_paused=self.started_paused,
            setup_time_s=network.setup_time_s,
            auto_converge_initial=self.params.get(
                c.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL,
                model.AUTO_CONVERGE_INITIAL),
            auto_converge_increment=self.params.get(
                c.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT,
                model.AUTO_CONVERGE_INCREMENT))

    @property
    def finished(self):
        return self.done.is_set()

    def tick(self, now, dt):
        """Clock ticker: advance the migration by ``dt``."""
        with self.network.lock:
            if self.finished:
                return
            self.model.link_bandwidth = self.network._share(self, now)
            self.model.step(dt)
            self.update()

    def update(self):
        """Bring the domains in line with the model (lock held)."""
        if self.finished:
            return
        if self.model.in_postcopy and not self._postcopy_applied:
            self._postcopy_applied = True
            self.record.set_state(c.VIR_DOMAIN_PAUSED,
                                  c.VIR_DOMAIN_PAUSED_POSTCOPY)
            if self.model.guest_paused:
                self.dest_record.set_state(c.VIR_DOMAIN_PAUSED,
                                           c.VIR_DOMAIN_PAUSED_USER)
            else:
                self.dest_record.set_state(c.VIR_DOMAIN_RUNNING,
                                           c.VIR_DOMAIN_RUNNING_POSTCOPY)
        if self.model.finished:
            self._finalize()

    def _finalize(self):
        mode = self.model.mode
        record, dest = self.record, self.dest_record
        self.final_stats = self.stats(final=True)
        self.network._jobs.remove(self)
        record.job = None
        record.last_job = self
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
            if t.mode in (model.FAILED, model.LOST):
                stats['errmsg'] = self.model.reason or 'migration failed'
        return stats

    def job_info(self, final=False):
        s = self.final_stats if final else self.stats()
        return [s['type'], s['time_elapsed'], s['time_remaining'],
                s['data_total'], s['data_processed'], s['data_remaining'],
                s['memory_total'], s['memory_processed'],
                s['memory_remaining'], s.get('disk_total', 0),
                s.get('disk_processed', 0), s.get('disk_remaining', 0)]
