from unittest import mock

from nova import exception
from nova.sim import constants as c
from nova import test
from nova.virt.libvirt import guest as libvirt_guest
from nova.virt.libvirt import host as libvirt_host
from nova.virt.libvirt import job


def _guest(domain, simulated=True):
    host = mock.Mock(spec=libvirt_host.Host)
    host.libvirt = c
    host.simulated = simulated
    host.call.side_effect = libvirt_host.Host.call.__get__(host)
    return libvirt_guest.Guest(domain, host), host


class JobInfoTestCase(test.NoDBTestCase):

    def test_domain_stopped_after_switch_over_means_finished(self):
        # Real libvirt, just after the switch-over: "domain is not
        # running", then "Domain not found".
        domain = mock.Mock()
        domain.jobStats.side_effect = c.make_error(
            c.VIR_ERR_OPERATION_INVALID, 'domain is not running')
        domain.isActive.return_value = 0
        guest, _host = _guest(domain)
        self.assertEqual(job.JOB_COMPLETED, guest.get_job_info().type)

    def test_no_ram_info_race_is_no_information_yet(self):
        # libvirt/QEMU race at the end of a migration: not a failure.
        domain = mock.Mock()
        domain.UUIDString.return_value = 'u1'
        domain.jobStats.side_effect = c.make_error(
            c.VIR_ERR_INTERNAL_ERROR,
            'migration was active, but no RAM info was set')
        guest, _host = _guest(domain)
        info = guest.get_job_info()
        self.assertEqual(job.JOB_NONE, info.type)
        self.assertFalse(info.is_active)
        self.assertFalse(info.is_finished)

    def test_other_internal_errors_are_errors(self):
        domain = mock.Mock()
        domain.jobStats.side_effect = c.make_error(
            c.VIR_ERR_INTERNAL_ERROR, 'qemu unexpectedly closed the monitor')
        guest, _host = _guest(domain)
        self.assertRaises(exception.LibvirtCallFailed, guest.get_job_info)

    def test_power_state(self):
        domain = mock.Mock()
        guest, _host = _guest(domain)
        for state, expected in ((c.VIR_DOMAIN_RUNNING, 'running'),
                                (c.VIR_DOMAIN_PAUSED, 'paused'),
                                (c.VIR_DOMAIN_SHUTOFF, 'shutdown'),
                                (c.VIR_DOMAIN_CRASHED, 'crashed'),
                                (99, 'nostate')):
            domain.state.return_value = [state, 0]
            self.assertEqual(expected, guest.power_state())

    def test_invalid_operation_on_running_domain_is_an_error(self):
        domain = mock.Mock()
        domain.jobStats.side_effect = c.make_error(
            c.VIR_ERR_OPERATION_INVALID, 'something else')
        domain.isActive.return_value = 1
        guest, _host = _guest(domain)
        self.assertRaises(exception.LibvirtCallFailed, guest.get_job_info)


class CallsTestCase(test.NoDBTestCase):

    def test_abort_job_passes_no_flags(self):
        # libvirt-python's virDomain.abortJob() takes no argument.
        domain = mock.Mock(spec=['abortJob', 'UUIDString'])
        guest, _host = _guest(domain)
        guest.abort_job()
        domain.abortJob.assert_called_once_with()

    def test_migratable_xml(self):
        domain = mock.Mock()
        guest, _host = _guest(domain)
        guest.get_xml_desc(migratable=True)
        guest.get_xml_desc()
        self.assertEqual([mock.call(c.VIR_DOMAIN_XML_MIGRATABLE),
                          mock.call(0)], domain.XMLDesc.call_args_list)

    def test_migrate_uses_its_own_domain_handle(self):
        domain, own = mock.Mock(), mock.Mock()
        domain.UUIDString.return_value = 'u1'
        guest, host = _guest(domain)
        host.own_domain_handle.return_value.__enter__ = mock.Mock(
            return_value=own)
        host.own_domain_handle.return_value.__exit__ = mock.Mock(
            return_value=False)
        guest.migrate('qemu+tcp://b/system', 3, {'bandwidth': 10})
        host.own_domain_handle.assert_called_once_with('u1')
        own.migrateToURI3.assert_called_once_with(
            'qemu+tcp://b/system', {'bandwidth': 10}, 3)
        domain.migrateToURI3.assert_not_called()
