"""The simulated data centre: hosts, links, domains and migration jobs.

One ``Network`` holds a ``VirtualClock``, the hosts (keyed by URI), the
links between them (a nova.sim.links.LinkProfile each: bandwidth over
time, drops, competing traffic) and the migrations in flight
(nova.sim.jobs).  While migrations run, one clock ticker shares the links
among them (max-min fair, each host's NIC included when it has a limit)
and steps each.  A single re-entrant lock per network guards all of it,
so job statistics can be read from one thread while another blocks in a
migration and a third drives the clock.
"""

import threading
import urllib.parse
import uuid as uuidlib
from xml.etree import ElementTree

from nova.sim import clock as sim_clock
from nova.sim import constants as c
from nova.sim import jobs as sim_jobs
from nova.sim import links as sim_links
from nova.sim import model
from nova.sim import pmem as sim_pmem

DEFAULT_LINK_BANDWIDTH_MBPS = 1250.0
SETUP_TIME_MS = sim_jobs.SETUP_TIME_MS
MEMORY_PAGE_SIZE = model.PAGE_SIZE
MigrationJob = sim_jobs.MigrationJob

_MEMORY_UNITS = {
    'b': 1, 'bytes': 1,
    'kb': 1000, 'k': 1024, 'kib': 1024,
    'mb': 1000 ** 2, 'm': 1024 ** 2, 'mib': 1024 ** 2,
    'gb': 1000 ** 3, 'g': 1024 ** 3, 'gib': 1024 ** 3,
    'tb': 1000 ** 4, 't': 1024 ** 4, 'tib': 1024 ** 4,
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
        #: The outgoing migration running now, the one whose post-copy
        #: waits to be resumed, the last one that ended.
        self.job = None
        self.paused_job = None
        self.last_job = None
        #: The migration bringing this domain here (destination side).
        self.incoming = None
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
                 memory_mb, cpus, pmem_namespaces=None, nic_mbps=None):
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
        #: MiB/s the host's network card carries for all its migrations
        #: in and out (None: no limit beyond the links').
        self.nic_mbps = nic_mbps
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
        #: (0: none; the calibration against the real lab sets it), unless
        #: its link's profile says otherwise.
        self.setup_time_s = 0.0
        self._hosts = {}
        self._links = {}
        self._jobs = []
        #: Every migration that ended, in order (for reports).
        self.finished_jobs = []
        self._ticking = False

    # -- hosts and links -----------------------------------------------

    def add_host(self, uri, hostname=None, lib_version=9000000,
                 qemu_version=7002000, memory_mb=65536, cpus=32,
                 pmem_namespaces=None, nic_mbps=None):
        """Register a host reachable at ``uri``; return its SimHost.

        ``pmem_namespaces`` lists the host's devdax namespaces as (name,
        size in bytes) pairs or dicts with name, size, align and region
        (see nova.sim.pmem); ``nic_mbps`` bounds all its migration
        traffic together.
        """
        with self.lock:
            if uri in self._hosts:
                raise ValueError('host %s already exists' % uri)
            if hostname is None:
                hostname = urllib.parse.urlparse(uri).hostname or uri
            host = SimHost(self, uri, hostname, lib_version, qemu_version,
                           memory_mb, cpus, pmem_namespaces, nic_mbps)
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

    def link_profile(self, src_host, dst_host):
        """The LinkProfile between two hosts (created on first use)."""
        with self.lock:
            key = _link_key(self.get_host(src_host), self.get_host(dst_host))
            if key not in self._links:
                self._links[key] = sim_links.LinkProfile(
                    self.default_bandwidth)
            return self._links[key]

    def set_link(self, src_host, dst_host, profile):
        """Give the link between two hosts a LinkProfile."""
        with self.lock:
            key = _link_key(self.get_host(src_host), self.get_host(dst_host))
            self._links[key] = profile

    def set_link_bandwidth(self, src_host, dst_host, bandwidth_mbps):
        """Set the (nominal) bandwidth, MiB/s, of the link between two
        hosts.
        """
        with self.lock:
            self.link_profile(src_host, dst_host).bandwidth = float(
                bandwidth_mbps)

    def link_bandwidth(self, src_host, dst_host, now=None):
        """The link's bandwidth in MiB/s now, 0 while it is dropped."""
        with self.lock:
            now = self.clock.now() if now is None else now
            return self.link_profile(src_host, dst_host).capacity(now)

    def drop_link(self, src_host, dst_host, seconds):
        """Cut the link between two hosts for ``seconds`` of virtual time."""
        with self.lock:
            self.link_profile(src_host, dst_host).add_drop(
                self.clock.now(), seconds)

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
        """The migrations in flight (a paused post-copy included)."""
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

    def _flows(self, now):
        """(flows, capacities) of the links and NICs at ``now``."""
        flows, capacities = [], {}
        for job in self._jobs:
            resources = [('link', _link_key(job.src, job.dst))]
            for host in (job.src, job.dst):
                if host.nic_mbps:
                    resources.append(('nic', host.uri))
                    capacities[('nic', host.uri)] = float(host.nic_mbps)
            flows.append(sim_links.Flow(job, job.demand(),
                                        tuple(resources)))
        used = {r for f in flows for r in f.resources}
        for key, profile in self._links.items():
            if ('link', key) not in used:
                continue
            capacities[('link', key)] = profile.capacity(now)
            demand = profile.competing_demand(now)
            if demand > 0:
                flows.append(sim_links.Flow(('other', key), demand,
                                            (('link', key),)))
        return flows, capacities

    def _tick(self, now, dt):
        """Clock ticker while migrations run: share the links, step all."""
        with self.lock:
            if not self._jobs:
                return
            if len(self._jobs) == 1:
                job = self._jobs[0]
                link = self._links.get(_link_key(job.src, job.dst))
                if (link is not None and not job.src.nic_mbps and
                        not job.dst.nic_mbps and
                        not link.competing_demand(now)):
                    # Alone on its link: all of it (what fair_shares says
                    # of one flow, without building the flows).
                    job.advance(dt, link.capacity(now))
                    return
            flows, capacities = self._flows(now)
            shares = sim_links.fair_shares(flows, capacities)
            for job in list(self._jobs):
                _rate, level = shares[job]
                job.advance(dt, level)

    def job_ended(self, job):
        """Called by a job as it ends (lock held)."""
        if job in self._jobs:
            self._jobs.remove(job)
        self.finished_jobs.append(job)
        if not self._jobs and self._ticking:
            self._ticking = False
            self.clock.remove_ticker(self._tick)

    def _new_dest_record(self, host, xml):
        return DomainRecord(host, xml, False)

    def start_migration(self, record, dconnuri, params, flags):
        """Validate a migrateToURI3 call and start its job."""
        with self.lock:
            src = record.host
            if not record.defined:
                raise c.make_error(c.VIR_ERR_NO_DOMAIN,
                                   "no domain with matching uuid '%s' (%s)"
                                   % (record.uuid, record.name))
            dst = self._resolve_uri(dconnuri)
            if flags & c.VIR_MIGRATE_POSTCOPY_RESUME:
                return self._resume(record, dst, flags)
            if not record.active:
                raise c.make_error(c.VIR_ERR_OPERATION_INVALID,
                                   'domain is not running')
            if record.job is not None or record.paused_job is not None:
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
            if dst is None or dst.failed:
                raise c.make_error(c.VIR_ERR_OPERATION_FAILED,
                                   'Failed to connect to remote libvirt '
                                   'URI %s' % dconnuri)
            if dst is src:
                raise c.make_error(c.VIR_ERR_INTERNAL_ERROR,
                                   'Attempt to migrate guest to the same '
                                   'host %s' % src.hostname)
            job = sim_jobs.MigrationJob(self, record, src, dst, params,
                                        flags, self._new_dest_record)
            self._jobs.append(job)
            record.job = job
            if not self._ticking:
                self._ticking = True
                self.clock.add_ticker(self._tick)
            return job

    def _resume(self, record, dst, flags):
        job = record.paused_job
        if job is None:
            raise c.make_error(c.VIR_ERR_OPERATION_INVALID,
                               'domain %s has no paused post-copy '
                               'migration to resume' % record.name)
        if not sim_jobs.can_resume_postcopy(job.src, job.dst):
            raise c.make_error(c.VIR_ERR_ARGUMENT_UNSUPPORTED,
                               'resuming post-copy needs libvirt 8.5.0 and '
                               'QEMU 3.0.0 on both hosts')
        job.resume(dst, flags)
        return job
