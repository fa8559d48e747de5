"""Host: the connection to one hypervisor (real libvirtd or simulated).

With guest.py, the only code that calls libvirt.  A ``sim://`` URI selects
the simulator in nova.sim; anything else imports libvirt-python.
"""

import contextlib
import os
import shutil
import urllib.parse

import os_traits
from oslo_log import log as logging
from oslo_utils import importutils

from nova import exception
from nova.virt import hardware
from nova.virt.libvirt import guest as libvirt_guest
from nova.virt.libvirt import job

LOG = logging.getLogger(__name__)

DEFAULT_URI = 'qemu:///system'
#: Local disk of a simulated host unless its SimHost says otherwise.
SIM_DISK_GB = 1024
SIM_SCHEME = 'sim'

# Oldest libvirt and QEMU able to do each migration feature: auto-converge
# came with libvirt 1.2.3 / QEMU 1.6, post-copy with libvirt 1.3.3 /
# QEMU 2.5 (which also needs userfaultfd in the host kernel).
# Live migration of vPMEM (nvdimm) guests needs libvirt 5.0.0 / QEMU 3.1.0;
# a host says it can do it with this trait, checked on both hosts before
# anything is claimed.
VPMEM_LIVE_MIGRATION_TRAIT = hardware.VPMEM_LIVE_MIGRATION_TRAIT
# A post-copy migration whose connection broke can be resumed
# (VIR_MIGRATE_POSTCOPY_RESUME) with libvirt 8.5.0 and QEMU 3.0.0 on both
# hosts; older ones lose the guest.
POSTCOPY_RESUME_TRAIT = hardware.POSTCOPY_RESUME_TRAIT
MIN_VERSIONS = {
    os_traits.COMPUTE_MIGRATE_AUTO_CONVERGE: ((1, 2, 3), (1, 6, 0)),
    os_traits.COMPUTE_MIGRATE_POST_COPY: ((1, 3, 3), (2, 5, 0)),
    VPMEM_LIVE_MIGRATION_TRAIT: ((5, 0, 0), (3, 1, 0)),
    POSTCOPY_RESUME_TRAIT: ((8, 5, 0), (3, 0, 0)),
}


#: A simulated hypervisor in a process of its own (nova.sim.daemon).
SIM_DAEMON_SCHEME = 'sim+unix'


def is_simulated(uri):
    return urllib.parse.urlsplit(uri or DEFAULT_URI).scheme in (
        SIM_SCHEME, SIM_DAEMON_SCHEME)


def libvirt_module_for(uri):
    """The libvirt-python module, or the simulator for a sim:// URI (in
    this process) or a sim+unix:// one (nova.sim.daemon).
    """
    scheme = urllib.parse.urlsplit(uri or DEFAULT_URI).scheme
    if scheme == SIM_DAEMON_SCHEME:
        return importutils.import_module('nova.sim.remote')
    if scheme == SIM_SCHEME:
        return importutils.import_module('nova.sim.libvirt')
    try:
        module = importutils.import_module('libvirt')
    except ImportError:
        raise exception.HypervisorUnavailable(
            uri=uri, reason='the libvirt-python package is not installed '
                            '(pip install libvirt-python; it needs '
                            'libvirt-dev to build)')
    # libvirt prints every error on stderr unless a handler takes it; the
    # errors reach the caller as libvirtError (and so as typed errors).
    module.registerErrorHandler(_ignore_libvirt_error, None)
    return module


def _ignore_libvirt_error(_ctxt, _error):
    pass


def version_tuple(number):
    """libvirt's 9000000-style version number as (9, 0, 0)."""
    return number // 1000000, (number // 1000) % 1000, number % 1000


class Host(object):

    def __init__(self, uri=None):
        self.uri = uri or DEFAULT_URI
        self.libvirt = libvirt_module_for(self.uri)
        self._conn = None

    @property
    def simulated(self):
        return is_simulated(self.uri)

    @property
    def clock(self):
        """The clock migrations run on: virtual for the simulator."""
        if self.simulated:
            return self.libvirt.get_network().clock
        from nova.sim import clock
        return clock.RealClock()

    def get_connection(self):
        if self._conn is None:
            try:
                self._conn = self.libvirt.open(self.uri)
            except self.libvirt.libvirtError as exc:
                raise exception.HypervisorUnavailable(
                    uri=self.uri, reason=exc.get_error_message())
        return self._conn

    def call(self, what, fn, *args):
        """Run a libvirt call, turning libvirtError into a typed error."""
        try:
            return fn(*args)
        except self.libvirt.libvirtError as exc:
            code = exc.get_error_code()
            raise exception.LibvirtCallFailed(
                operation=what, code=code, reason=exc.get_error_message(),
                aborted=code == self.libvirt.VIR_ERR_OPERATION_ABORTED)

    def get_versions(self):
        """((libvirt major, minor, micro), (QEMU major, minor, micro))."""
        conn = self.get_connection()
        return (version_tuple(self.call('getLibVersion',
                                        conn.getLibVersion)),
                version_tuple(self.call('getVersion', conn.getVersion)))

    def has_min_version(self, lv_ver, hv_ver):
        libvirt_version, qemu_version = self.get_versions()
        return libvirt_version >= lv_ver and qemu_version >= hv_ver

    def migration_traits(self):
        """{trait: supported} for the live-migration feature traits."""
        return {trait: self.has_min_version(*versions)
                for trait, versions in MIN_VERSIONS.items()}

    def remote_versions(self, uri):
        """(libvirt, QEMU) version tuples of the hypervisor at ``uri``, or
        None when it cannot be asked (read-only connection).
        """
        lv = self.libvirt
        try:
            conn = lv.openReadOnly(uri)
            try:
                return (version_tuple(conn.getLibVersion()),
                        version_tuple(conn.getVersion()))
            finally:
                conn.close()
        except lv.libvirtError as exc:
            LOG.debug('No versions of %s: %s', uri, exc)
            return None

    def can_resume_postcopy(self, dest_uri):
        """Whether a post-copy migration from here to ``dest_uri`` whose
        connection broke can be resumed: both hypervisors new enough.
        """
        lv_ver, hv_ver = MIN_VERSIONS[POSTCOPY_RESUME_TRAIT]
        if not self.has_min_version(lv_ver, hv_ver):
            return False
        remote = self.remote_versions(dest_uri)
        return remote is not None and (remote[0] >= lv_ver
                                       and remote[1] >= hv_ver)

    def get_info(self):
        """(memory MiB, CPUs) of the hypervisor host."""
        conn = self.get_connection()
        info = self.call('getInfo', conn.getInfo)
        return info[1], info[2]

    def get_disk_gb(self, path):
        """GiB of local disk for instances: the filesystem of ``path``, or
        the simulated host's disk.
        """
        if self.simulated:
            sim_host = self.libvirt.get_network().find_host(self.uri)
            return getattr(sim_host, 'disk_gb', SIM_DISK_GB)
        # The directory may not exist yet (it is made at the first spawn):
        # measure the file system it will be on.
        path = os.path.abspath(path)
        while not os.path.exists(path) and os.path.dirname(path) != path:
            path = os.path.dirname(path)
        return shutil.disk_usage(path).total // 1024 ** 3

    def command_runner(self):
        """How to run host commands (ndctl, daxio) for this hypervisor.

        The simulator's hosts answer them from their simulated persistent
        memory; a real host runs the commands.
        """
        from nova.virt.libvirt import vpmem
        if self.simulated:
            return self.libvirt.get_network().find_host(self.uri).pmem.runner
        return vpmem.default_runner

    def find_guest(self, uuid):
        """The Guest with this UUID on this host, or None."""
        conn = self.get_connection()
        try:
            domain = conn.lookupByUUIDString(uuid)
        except self.libvirt.libvirtError as exc:
            if exc.get_error_code() == self.libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise exception.LibvirtCallFailed(
                operation='lookupByUUIDString', code=exc.get_error_code(),
                reason=exc.get_error_message())
        return libvirt_guest.Guest(domain, self)

    @contextlib.contextmanager
    def own_domain_handle(self, uuid):
        """Domain ``uuid`` over a connection of its own, for one long call.

        libvirt's client multiplexes the calls of threads sharing a
        connection; with libvirt 9.0 a call made while ``migrateToURI3``
        blocked on the same connection was seen to wait until the
        migration had ended, so the monitor could neither tune nor abort
        it.  The migrate call therefore gets its own connection (closed
        afterwards).  The simulated hypervisor has no such limit and keeps
        the shared one.  libvirtError propagates.
        """
        if self.simulated:
            yield self.get_connection().lookupByUUIDString(uuid)
            return
        conn = self.libvirt.open(self.uri)
        try:
            yield conn.lookupByUUIDString(uuid)
        finally:
            try:
                conn.close()
            except self.libvirt.libvirtError as exc:
                LOG.debug('Closing the connection to %s failed: %s', self.uri,
                          exc)

    def completed_job_info(self, uri, uuid):
        """The last completed job of domain ``uuid`` on the hypervisor at
        ``uri`` (a JobInfo), or None when it cannot be read.

        After a live migration the source forgets the domain; the
        destination keeps the statistics of the job that brought it.
        """
        lv = self.libvirt
        try:
            conn = lv.openReadOnly(uri)
            try:
                # KEEP_COMPLETED: reading them must not erase them.
                stats = conn.lookupByUUIDString(uuid).jobStats(
                    lv.VIR_DOMAIN_JOB_STATS_COMPLETED |
                    lv.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED)
            finally:
                conn.close()
        except lv.libvirtError as exc:
            LOG.debug('No completed job statistics for %s at %s: %s',
                      uuid, uri, exc)
            return None
        return job.JobInfo.from_stats(stats)

    def list_guests(self):
        """A Guest for every domain this hypervisor knows (running or
        not).
        """
        conn = self.get_connection()
        return [libvirt_guest.Guest(domain, self) for domain in
                self.call('listAllDomains', conn.listAllDomains, 0)]

    def list_guest_uuids(self):
        """UUIDs of every domain this hypervisor knows (running or not)."""
        return [guest.uuid for guest in self.list_guests()]

    def get_hostname(self):
        conn = self.get_connection()
        return self.call('getHostname', conn.getHostname)

    def get_guest(self, instance):
        guest = self.find_guest(instance.uuid)
        if guest is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid,
                                             host=self.uri)
        return guest

    def define_guest(self, xml, start=True):
        conn = self.get_connection()
        domain = self.call('defineXML', conn.defineXML, xml)
        if start:
            self.call('create', domain.create)
        return libvirt_guest.Guest(domain, self)

    def migration_uri(self, dest_host, template=''):
        if not template:
            template = ('sim://%s/system' if self.simulated
                        else 'qemu+tcp://%s/system')
        return template % dest_host
