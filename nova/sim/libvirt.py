"""A simulated ``libvirt`` python module whose live migrations progress.

Import it in place of ``libvirt``: it offers the constants, ``libvirtError``,
``open()``/``openAuth()``/``openReadOnly()``, ``virConnect`` and the
``virDomain`` calls a live-migration control plane makes.  Hosts live in a
``Network`` (see ``get_network()``/``set_network()``) whose virtual clock
the caller drives: ``migrateToURI3`` blocks until the migration ends, and
the migration only advances while some other thread calls
``network.clock.sleep()``.
"""

import threading

from nova.sim import constants
from nova.sim import model
from nova.sim import network as sim_network
from nova.sim import pmem as sim_pmem

for _name in dir(constants):
    if _name.startswith('VIR_'):
        globals()[_name] = getattr(constants, _name)
del _name

libvirtError = constants.libvirtError
Network = sim_network.Network
SimHost = sim_network.SimHost
Workload = model.Workload

# What QEMU reports as "unlimited" migration bandwidth, MiB/s.
MIGRATION_BANDWIDTH_MAX = 8796093022207

_c = constants
_network = None
_network_lock = threading.Lock()


def get_network():
    """The network ``open()`` connects into (created on first use)."""
    global _network
    with _network_lock:
        if _network is None:
            _network = sim_network.Network()
        return _network


def set_network(network):
    """Make ``network`` the default; None drops the current one."""
    global _network
    with _network_lock:
        _network = network


def open(name=None):
    return _connect(name, read_only=False)


def openAuth(uri, auth=None, flags=0):
    return _connect(uri, read_only=False)


def openReadOnly(name=None):
    return _connect(name, read_only=True)


def registerErrorHandler(f, ctx):
    """Accepted for compatibility; errors are always raised."""
    return 0


def _connect(uri, read_only):
    net = get_network()
    host = net.find_host(uri)
    if host is None or host.failed:
        raise _c.make_error(_c.VIR_ERR_SYSTEM_ERROR,
                            'unable to connect to %s: no such host in '
                            'the simulated network' % (uri,),
                            domain=_c.VIR_FROM_RPC)
    return virConnect(net, host, read_only)


def _no_domain(what):
    return _c.make_error(_c.VIR_ERR_NO_DOMAIN, what)


class virConnect(object):
    """A connection to one simulated host."""

    def __init__(self, network, host, read_only=False):
        self._net = network
        self._host = host
        self._read_only = read_only
        self._closed = False

    def _check(self, write=False):
        if self._closed:
            raise _c.make_error(_c.VIR_ERR_INVALID_CONN, 'virConnect',
                                domain=_c.VIR_FROM_NONE)
        if self._host.failed:
            raise _c.make_error(_c.VIR_ERR_SYSTEM_ERROR,
                                'Cannot recv data: Connection reset by '
                                'peer', domain=_c.VIR_FROM_RPC)
        if write and self._read_only:
            raise _c.make_error(_c.VIR_ERR_OPERATION_DENIED,
                                'read only access prevents this operation')

    def getURI(self):
        self._check()
        return self._host.uri

    def getHostname(self):
        self._check()
        return self._host.hostname

    def getLibVersion(self):
        self._check()
        return self._host.lib_version

    def getVersion(self):
        self._check()
        return self._host.qemu_version

    def getType(self):
        self._check()
        return 'QEMU'

    def getInfo(self):
        """[arch, memory MiB, cpus, MHz, NUMA nodes, sockets, cores,
        threads]
        """
        self._check()
        h = self._host
        return [h.arch, h.memory_mb, h.cpus, 2400, 1, 1, h.cpus, 1]

    def getCapabilities(self):
        self._check()
        return ('<capabilities>\n  <host>\n    <uuid>%s</uuid>\n'
                '    <cpu>\n      <arch>%s</arch>\n    </cpu>\n'
                '  </host>\n</capabilities>\n'
                % (self._host.uuid, self._host.arch))

    def isAlive(self):
        return 0 if self._closed or self._host.failed else 1

    def close(self):
        self._closed = True
        return 0

    def _find(self, key):
        record = self._host.get_domain(key)
        return None if record is None else virDomain(self, record)

    def defineXML(self, xml):
        self._check(write=True)
        with self._net.lock:
            xml, name, uuid, _mem, _cpus = sim_network.parse_domain_xml(xml)
            record = self._host.get_domain(uuid)
            same_name = self._host.get_domain(name)
            if same_name is not None and same_name is not record:
                raise _c.make_error(_c.VIR_ERR_OPERATION_FAILED,
                                    "domain '%s' already exists with uuid "
                                    "%s" % (name, same_name.uuid))
            if record is None:
                record = sim_network.DomainRecord(self._host, xml, True)
                self._host.add_domain(record)
            else:
                record.set_xml(xml)
                record.persistent = True
            return virDomain(self, record)

    def createXML(self, xml, flags=0):
        self._check(write=True)
        with self._net.lock:
            xml, name, uuid, _mem, _cpus = sim_network.parse_domain_xml(xml)
            record = self._host.get_domain(uuid) or self._host.get_domain(
                name)
            if record is not None and record.active:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID,
                                    "domain '%s' is already active" % name)
            sim_pmem.open_devices(self._host, xml, uuid)
            if record is None:
                record = sim_network.DomainRecord(self._host, xml, False)
                self._host.add_domain(record)
            else:
                record.set_xml(xml)
            record.set_state(_c.VIR_DOMAIN_RUNNING,
                             _c.VIR_DOMAIN_RUNNING_BOOTED)
            return virDomain(self, record)

    def lookupByName(self, name):
        self._check()
        dom = self._find(name)
        if dom is None or dom.name() != name:
            raise _no_domain("no domain with matching name '%s'" % name)
        return dom

    def lookupByUUIDString(self, uuidstr):
        self._check()
        dom = self._find(uuidstr)
        if dom is None or dom.UUIDString() != uuidstr:
            raise _no_domain("no domain with matching uuid '%s'" % uuidstr)
        return dom

    def listAllDomains(self, flags=0):
        self._check()
        wanted = []
        for record in self._host.domains():
            if not _matches(record, flags):
                continue
            wanted.append(virDomain(self, record))
        return wanted


def _matches(record, flags):
    pairs = (
        (_c.VIR_CONNECT_LIST_DOMAINS_ACTIVE,
         _c.VIR_CONNECT_LIST_DOMAINS_INACTIVE, record.active),
        (_c.VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
         _c.VIR_CONNECT_LIST_DOMAINS_TRANSIENT, record.persistent),
    )
    for yes, no, value in pairs:
        if flags & (yes | no) and not (
                (flags & yes and value) or (flags & no and not value)):
            return False
    states = ((_c.VIR_CONNECT_LIST_DOMAINS_RUNNING, _c.VIR_DOMAIN_RUNNING),
              (_c.VIR_CONNECT_LIST_DOMAINS_PAUSED, _c.VIR_DOMAIN_PAUSED),
              (_c.VIR_CONNECT_LIST_DOMAINS_SHUTOFF, _c.VIR_DOMAIN_SHUTOFF))
    state_mask = sum(flag for flag, _state in states)
    if flags & state_mask:
        return any(flags & flag and record.state == state
                   for flag, state in states)
    return True


class virDomain(object):
    """A handle on a domain of one simulated host."""

    def __init__(self, conn, record):
        self._conn = conn
        self._net = conn._net
        self._record = record

    def __repr__(self):
        return '<virDomain %s on %s>' % (
            self._record.name, self._record.host.uri)

    def _rec(self, write=False):
        """The record, if the host still knows it (lock held)."""
        self._conn._check(write=write)
        if not self._record.defined:
            raise _no_domain("no domain with matching uuid '%s' (%s)"
                             % (self._record.uuid, self._record.name))
        return self._record

    def _job(self):
        job = self._rec().job
        if job is None:
            raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID,
                                'no job is active on the domain')
        return job

    # -- identity and life cycle ---------------------------------------

    def name(self):
        return self._record.name

    def UUIDString(self):
        return self._record.uuid

    def ID(self):
        with self._net.lock:
            return self._rec().id

    def XMLDesc(self, flags=0):
        with self._net.lock:
            return self._rec().xml

    def isActive(self):
        with self._net.lock:
            return 1 if self._rec().active else 0

    def isPersistent(self):
        with self._net.lock:
            return 1 if self._rec().persistent else 0

    def state(self, flags=0):
        with self._net.lock:
            record = self._rec()
            return [record.state, record.reason]

    def info(self):
        """[state, max memory KiB, memory KiB, vCPUs, CPU time ns]"""
        with self._net.lock:
            record = self._rec()
            cpu_time = 0
            if record.active and record.boot_time is not None:
                up = self._net.clock.now() - record.boot_time
                cpu_time = int(up * 1e8 * record.vcpus)
            return [record.state, record.memory_kib, record.memory_kib,
                    record.vcpus, cpu_time]

    def create(self, flags=0):
        with self._net.lock:
            record = self._rec(write=True)
            if record.active:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID,
                                    'domain is already running')
            sim_pmem.open_devices(record.host, record.xml, record.uuid)
            record.set_state(_c.VIR_DOMAIN_RUNNING,
                             _c.VIR_DOMAIN_RUNNING_BOOTED)
            return 0

    def destroy(self):
        with self._net.lock:
            record = self._rec(write=True)
            if not record.active:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID,
                                    'domain is not running')
            record.set_state(_c.VIR_DOMAIN_SHUTOFF,
                             _c.VIR_DOMAIN_SHUTOFF_DESTROYED)
            job = record.job
            if job is not None:
                if job.model.in_postcopy:
                    job.model.lose('domain destroyed during post-copy')
                else:
                    job.model.fail('domain destroyed')
                job.update()
            if not record.persistent:
                record.host.remove_domain(record)
            return 0

    def undefine(self):
        with self._net.lock:
            record = self._rec(write=True)
            if not record.persistent:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID,
                                    'cannot undefine transient domain')
            record.persistent = False
            if not record.active:
                record.host.remove_domain(record)
            return 0

    def suspend(self):
        with self._net.lock:
            record = self._rec(write=True)
            if not record.active:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID,
                                    'domain is not running')
            if record.job is not None and record.job.model.in_postcopy:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID,
                                    'domain is in post-copy migration')
            record.set_state(_c.VIR_DOMAIN_PAUSED, _c.VIR_DOMAIN_PAUSED_USER)
            if record.job is not None:
                record.job.model.pause_guest()
            return 0

    def resume(self):
        with self._net.lock:
            record = self._rec(write=True)
            if record.state != _c.VIR_DOMAIN_PAUSED:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID,
                                    'domain is not paused')
            if record.job is not None and record.job.model.in_postcopy:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID,
                                    'domain is in post-copy migration')
            record.set_state(_c.VIR_DOMAIN_RUNNING,
                             _c.VIR_DOMAIN_RUNNING_UNPAUSED)
            if record.job is not None:
                record.job.model.resume_guest()
            return 0

    # -- migration -----------------------------------------------------

    def migrateToURI3(self, dconnuri, params=None, flags=0):
        """Migrate; blocks until the job ends (virtual time must move)."""
        with self._net.lock:
            record = self._rec(write=True)
            job = self._net.start_migration(record, dconnuri, params, flags)
        try:
            job.done.wait()
        finally:
            self._net.clock.remove_ticker(job.tick)
        error = job.result_error()
        if error is not None:
            raise error

    def jobStats(self, flags=0):
        with self._net.lock:
            self._conn._check()
            record = self._record
            if (record.job_stats_race > 0 and record.job is None
                    and record.last_job is not None):
                # libvirt/QEMU race at the end of a migration: the job is
                # over but libvirt still believes it active.
                record.job_stats_race -= 1
                raise _c.make_error(
                    _c.VIR_ERR_INTERNAL_ERROR,
                    'migration was active, but no RAM info was set')
            if flags & _c.VIR_DOMAIN_JOB_STATS_COMPLETED:
                if record.last_job is None:
                    return {'type': _c.VIR_DOMAIN_JOB_NONE}
                return dict(record.last_job.final_stats)
            if record.job is None:
                return {'type': _c.VIR_DOMAIN_JOB_NONE}
            return record.job.stats()

    def jobInfo(self):
        with self._net.lock:
            self._conn._check()
            if self._record.job is None:
                return [_c.VIR_DOMAIN_JOB_NONE] + [0] * 11
            return self._record.job.job_info()

    def abortJob(self, flags=0):
        with self._net.lock:
            job = self._job()
            try:
                job.model.cancel()
            except model.InvalidState as exc:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID, str(exc))
            job.update()
            return 0

    def migrateStartPostCopy(self, flags=0):
        with self._net.lock:
            job = self._rec().job
            if job is None:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID,
                                    'post-copy can only be started while '
                                    'outgoing migration is in progress')
            try:
                job.model.start_postcopy()
            except model.MigrationError as exc:
                raise _c.make_error(_c.VIR_ERR_OPERATION_INVALID, str(exc))
            job.update()
            return 0

    def migrateSetMaxDowntime(self, downtime, flags=0):
        with self._net.lock:
            if downtime <= 0:
                raise _c.make_error(_c.VIR_ERR_INVALID_ARG,
                                    'downtime must be positive')
            self._job().model.max_downtime_ms = float(downtime)
            return 0

    def migrateGetMaxDowntime(self, flags=0):
        with self._net.lock:
            return int(self._job().model.max_downtime_ms)

    def migrateSetMaxSpeed(self, bandwidth, flags=0):
        with self._net.lock:
            if bandwidth < 0 or bandwidth > MIGRATION_BANDWIDTH_MAX:
                raise _c.make_error(_c.VIR_ERR_OVERFLOW,
                                    'bandwidth must be less than %d'
                                    % (MIGRATION_BANDWIDTH_MAX + 1))
            m = self._job().model
            if flags & _c.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY:
                m.postcopy_bandwidth = float(bandwidth)
            else:
                m.max_bandwidth = float(bandwidth)
            return 0

    def migrateGetMaxSpeed(self, flags=0):
        with self._net.lock:
            job = self._rec().job
            if job is None:
                return MIGRATION_BANDWIDTH_MAX
            if flags & _c.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY:
                value = job.model.postcopy_bandwidth
            else:
                value = job.model.max_bandwidth
            return int(value) if value > 0 else MIGRATION_BANDWIDTH_MAX

    # -- simulator controls --------------------------------------------

    def simSetWorkload(self, workload):
        """Set what the guest does to memory and disks (sim only)."""
        with self._net.lock:
            record = self._rec()
            record.workload = workload
            if record.job is not None:
                record.job.model.set_workload(workload)

    def simInjectJobStatsRace(self, count=1):
        """Make the next ``count`` jobStats calls made after the current
        migration ended fail as libvirt does when it races the end of a
        migration (VIR_ERR_INTERNAL_ERROR "migration was active, but no
        RAM info was set") -- sim only.
        """
        with self._net.lock:
            self._record.job_stats_race = int(count)

    def simGetWorkload(self):
        with self._net.lock:
            return self._record.get_workload()

    def simGetHost(self):
        return self._record.host
