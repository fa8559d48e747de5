"""Shared set-up for the simulator tests: two hosts and a migration runner."""

import threading
import time

from oslotest import base

from nova.sim import libvirt
from nova.sim import model

SRC_URI = 'sim://src/system'
DST_URI = 'sim://dst/system'
MiB = model.MiB
BASE_FLAGS = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER |
              libvirt.VIR_MIGRATE_PERSIST_DEST |
              libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)
BUSY = dict(ram_mb=4096, wws_mb=1024, dirty_rate_mbps=2048)
BASE_KEYS = frozenset({
    'type', 'time_elapsed', 'time_remaining', 'setup_time', 'data_total',
    'data_processed', 'data_remaining', 'memory_total', 'memory_processed',
    'memory_remaining', 'memory_constant', 'memory_normal',
    'memory_normal_bytes', 'memory_bps', 'memory_dirty_rate',
    'memory_iteration', 'memory_page_size', 'memory_postcopy_requests'})
DISK_KEYS = frozenset({'disk_total', 'disk_processed', 'disk_remaining',
                       'disk_bps'})


def domain_xml(name='vm1', memory='4', unit='GiB', vcpus=2, uuid=None):
    uuid_elem = '<uuid>%s</uuid>' % uuid if uuid else ''
    return ("<domain type='kvm'><name>%s</name>%s"
            "<memory unit='%s'>%s</memory><vcpu>%d</vcpu></domain>"
            % (name, uuid_elem, unit, memory, vcpus))


class MigrationRun(object):
    """migrateToURI3 in a thread; the test thread drives the clock."""

    def __init__(self, test, dom, dconnuri=DST_URI, params=None,
                 flags=BASE_FLAGS):
        self.test = test
        self.dom = dom
        self.clock = libvirt.get_network().clock
        self.returned = False
        self.error = None
        self.started_at = None
        self._thread = threading.Thread(
            target=self._run, args=(dconnuri, params or {}, flags),
            daemon=True)

    def _run(self, dconnuri, params, flags):
        try:
            self.dom.migrateToURI3(dconnuri, params, flags)
            self.returned = True
        except libvirt.libvirtError as exc:
            self.error = exc

    def start(self):
        self.started_at = self.clock.now()
        self._thread.start()
        deadline = time.monotonic() + 5
        while (self._thread.is_alive() and
               self.dom.jobStats()['type'] == libvirt.VIR_DOMAIN_JOB_NONE):
            self.test.assertLess(time.monotonic(), deadline)
            time.sleep(0.0005)
        return self

    @property
    def job_active(self):
        return self.dom.jobStats()['type'] != libvirt.VIR_DOMAIN_JOB_NONE

    def drive(self, seconds, step=0.5, on_step=None):
        """Advance up to ``seconds`` of virtual time or until the job ends.

        ``on_step(now, stats)`` sees the job statistics after every step.
        Return True when the migration has ended (and its thread exited).
        """
        end = self.clock.now() + seconds
        while self.job_active and self.clock.now() < end - 1e-9:
            self.clock.sleep(min(step, end - self.clock.now()))
            stats = self.dom.jobStats()
            if on_step is not None and stats['type'] in (
                    libvirt.VIR_DOMAIN_JOB_BOUNDED,
                    libvirt.VIR_DOMAIN_JOB_UNBOUNDED):
                on_step(self.clock.now(), stats)
        if self.job_active:
            return False
        self._thread.join(5)
        self.test.assertFalse(self._thread.is_alive())
        return True

    def stop(self):
        if self._thread.is_alive():
            libvirt.get_network().fail_all_jobs('test cleanup')
            self._thread.join(5)


class SimTestCase(base.BaseTestCase):
    """A fresh network with hosts ``src`` and ``dst`` for every test."""

    def setUp(self):
        super(SimTestCase, self).setUp()
        self.network = libvirt.Network()
        libvirt.set_network(self.network)
        self.addCleanup(libvirt.set_network, None)
        self.src = self.network.add_host(SRC_URI)
        self.dst = self.network.add_host(DST_URI)
        self.src_conn = libvirt.open(SRC_URI)
        self.dst_conn = libvirt.open(DST_URI)

    def exact_remaining(self, name='vm1'):
        """Bytes really left (unsent + dirtied since the last sync).

        jobStats reports QEMU's bitmap count, which saw-tooths through
        each pass; plateaus are checked against the exact value.
        """
        with self.network.lock:
            job = self.src.get_domain(name).job
            return job.model.remaining_mb * MiB

    def make_domain(self, workload=None, name='vm1', memory_gib=4):
        dom = self.src_conn.defineXML(domain_xml(name, memory_gib))
        dom.create()
        if workload is not None:
            dom.simSetWorkload(workload)
        return dom

    def migrate(self, dom, params=None, flags=BASE_FLAGS, dconnuri=DST_URI):
        run = MigrationRun(self, dom, dconnuri, params, flags)
        self.addCleanup(run.stop)
        return run.start()

    def assertLibvirtError(self, code, func, *args, **kwargs):
        exc = self.assertRaises(libvirt.libvirtError, func, *args, **kwargs)
        self.assertEqual(code, exc.get_error_code())
        return exc
