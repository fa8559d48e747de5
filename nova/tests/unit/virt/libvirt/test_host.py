import os
import shutil
from unittest import mock

import fixtures

from nova.sim import constants as c
from nova import test
from nova.virt.libvirt import host as libvirt_host


class FakeLibvirt(object):
    """The bits of the libvirt module Host uses, with real constants."""

    libvirtError = c.libvirtError
    VIR_DOMAIN_JOB_STATS_COMPLETED = c.VIR_DOMAIN_JOB_STATS_COMPLETED
    VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED = (
        c.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED)

    def __init__(self):
        self.open = mock.Mock()
        self.openReadOnly = mock.Mock()


def _host(uri='qemu+unix:///system?socket=/x'):
    fake = FakeLibvirt()
    with mock.patch.object(libvirt_host, 'libvirt_module_for',
                           return_value=fake):
        return libvirt_host.Host(uri), fake


class CompletedJobTestCase(test.NoDBTestCase):

    def test_read_from_destination_and_kept(self):
        host, fake = _host()
        dom = fake.openReadOnly.return_value.lookupByUUIDString.return_value
        dom.jobStats.return_value = {'type': 3, 'time_elapsed': 900,
                                     'downtime': 29, 'data_processed': 7,
                                     'memory_iteration': 3}
        info = host.completed_job_info('qemu+tcp://b/system', 'u1')
        self.assertEqual((3, 900, 29, 7, 3), (
            info.type, info.time_elapsed, info.downtime,
            info.data_processed, info.memory_iteration))
        fake.openReadOnly.assert_called_once_with('qemu+tcp://b/system')
        # Reading must not erase them (libvirt drops them unless told).
        dom.jobStats.assert_called_once_with(
            c.VIR_DOMAIN_JOB_STATS_COMPLETED |
            c.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED)
        fake.openReadOnly.return_value.close.assert_called_once_with()

    def test_unreadable_is_none(self):
        host, fake = _host()
        fake.openReadOnly.side_effect = c.make_error(
            c.VIR_ERR_SYSTEM_ERROR, 'no route')
        self.assertIsNone(host.completed_job_info('qemu+tcp://b/system',
                                                  'u1'))


class OwnDomainHandleTestCase(test.NoDBTestCase):

    def test_real_libvirt_opens_and_closes_a_connection(self):
        host, fake = _host()
        conn = fake.open.return_value
        with host.own_domain_handle('u1') as domain:
            self.assertIs(conn.lookupByUUIDString.return_value, domain)
            conn.close.assert_not_called()
        fake.open.assert_called_once_with(host.uri)
        conn.close.assert_called_once_with()

    def test_failed_close_is_logged_not_raised(self):
        host, fake = _host()
        conn = fake.open.return_value
        conn.close.side_effect = c.make_error(c.VIR_ERR_OPERATION_FAILED,
                                              'connection reset')
        with host.own_domain_handle('u1') as domain:
            self.assertIs(conn.lookupByUUIDString.return_value, domain)
        conn.close.assert_called_once_with()

    def test_simulated_shares_the_connection(self):
        host, fake = _host('sim://a/system')
        with host.own_domain_handle('u1') as domain:
            self.assertIs(fake.open.return_value.lookupByUUIDString
                          .return_value, domain)
        # The shared connection stays open.
        fake.open.return_value.close.assert_not_called()

    def test_error_handler_registered_for_real_libvirt(self):
        module = mock.Mock()
        with mock.patch('oslo_utils.importutils.import_module',
                        return_value=module):
            self.assertIs(module,
                          libvirt_host.libvirt_module_for('qemu:///system'))
        module.registerErrorHandler.assert_called_once_with(
            libvirt_host._ignore_libvirt_error, None)


class DiskTestCase(test.NoDBTestCase):

    def test_missing_directory_measures_its_file_system(self):
        host, _fake = _host()
        tmp = self.useFixture(fixtures.TempDir()).path
        missing = os.path.join(tmp, 'state', 'instances')
        self.assertEqual(shutil.disk_usage(tmp).total // 1024 ** 3,
                         host.get_disk_gb(missing))
        self.assertFalse(os.path.exists(missing))
