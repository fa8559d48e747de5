"""The simulated hypervisor daemon, reached with libvirt's call shapes."""

import os
import tempfile
import threading
from multiprocessing import connection

import fixtures

from nova.sim import constants
from nova.sim import daemon
from nova.sim import remote
from nova import test
from nova.virt.libvirt import host as libvirt_host

XML = ('<domain type="kvm"><name>instance-1</name>'
       '<uuid>4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f</uuid>'
       '<memory unit="MiB">512</memory><vcpu>1</vcpu></domain>')


class DaemonTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        tmp = tempfile.mkdtemp()
        self.addCleanup(os.rmdir, tmp)
        self.socket = os.path.join(tmp, 'sim.sock')
        self.daemon = daemon.Daemon(self.socket, ['a', 'b'])
        thread = threading.Thread(target=self.daemon.serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self.daemon.stop)
        for _ in range(500):
            if os.path.exists(self.socket):
                break
            threading.Event().wait(0.01)
        self.uri = 'sim+unix:///system?socket=%s&host=a' % self.socket

    def test_host_wrapper_uses_the_remote_module(self):
        host = libvirt_host.Host(self.uri)
        self.assertIs(remote, host.libvirt)
        self.assertTrue(host.simulated)
        self.assertEqual((65536, 32), host.get_info())
        self.assertEqual(1024, host.get_disk_gb('/nowhere'))

    def test_domains_live_in_the_daemon(self):
        conn = remote.openAuth(self.uri)
        dom = conn.defineXML(XML)
        dom.create()
        again = remote.openAuth(self.uri).lookupByUUIDString(
            dom.UUIDString())
        self.assertEqual(constants.VIR_DOMAIN_RUNNING, again.state()[0])
        self.assertEqual([dom.UUIDString()],
                         [d.UUIDString() for d in conn.listAllDomains()])

    def test_errors_keep_their_code(self):
        conn = remote.openAuth(self.uri)
        exc = self.assertRaises(remote.libvirtError,
                                conn.lookupByUUIDString,
                                '00000000-0000-0000-0000-000000000000')
        self.assertEqual(constants.VIR_ERR_NO_DOMAIN, exc.get_error_code())

    def test_bad_uri_and_missing_daemon(self):
        self.assertRaises(remote.libvirtError, remote.openAuth,
                          'sim+unix:///system?host=a')
        exc = self.assertRaises(
            remote.libvirtError, remote.openAuth,
            'sim+unix:///system?socket=/nonexistent/s&host=a')
        self.assertEqual(constants.VIR_ERR_SYSTEM_ERROR,
                         exc.get_error_code())

    def test_speed_is_bounded(self):
        self.assertRaises(ValueError, daemon.Daemon, self.socket + '2',
                          ['a'], speed=float('inf'))


class DaemonStartTestCase(test.NoDBTestCase):
    """The socket's path appears only once the daemon listens, so a
    client that connects the moment it sees the path is never refused
    (the multi-process lab and the tests above start clients that way;
    a client that came between bind() and listen() was refused).
    """

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(os.rmdir, self.tmp)

    def _serve(self, d):
        thread = threading.Thread(target=d.serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(d.stop)
        for _ in range(500):
            if os.path.exists(d.path):
                return
            threading.Event().wait(0.01)
        self.fail('the daemon never listened')

    def test_path_absent_until_listening(self):
        path = os.path.join(self.tmp, 'sim.sock')
        seen = []
        real = connection.Listener

        def listener(address, family):
            made = real(address, family=family)
            # The listener listens now: the clients' path must not exist
            # yet (it is renamed into place afterwards).
            seen.append(os.path.exists(path))
            return made

        self.useFixture(fixtures.MonkeyPatch(
            'nova.sim.daemon.connection.Listener', listener))
        self._serve(daemon.Daemon(path, ['a']))
        self.assertEqual([False], seen)
        conn = remote.openAuth('sim+unix:///system?socket=%s&host=a' % path)
        self.assertEqual('a', conn.getHostname())

    def test_stop_removes_the_socket(self):
        path = os.path.join(self.tmp, 'sim.sock')
        d = daemon.Daemon(path, ['a'])
        thread = threading.Thread(target=d.serve, daemon=True)
        thread.start()
        for _ in range(500):
            if os.path.exists(path):
                break
            threading.Event().wait(0.01)
        d.stop()
        thread.join(5)
        self.assertFalse(thread.is_alive())
        self.assertEqual([], os.listdir(self.tmp))
