"""The simulated hypervisor daemon, reached with libvirt's call shapes."""

import os
import tempfile
import threading

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
