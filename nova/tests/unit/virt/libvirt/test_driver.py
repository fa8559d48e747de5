import os
from unittest import mock

import fixtures
from lxml import etree

from nova.compute import provider_tree
from nova import exception
from nova import objects
from nova.objects import fields
from nova import test
from nova.virt.libvirt import driver
from nova.virt.libvirt import host
from nova.virt.libvirt import job
from nova.virt.libvirt import migration

AC = 'COMPUTE_MIGRATE_AUTO_CONVERGE'
PC = 'COMPUTE_MIGRATE_POST_COPY'
VPMEM = 'CUSTOM_COMPUTE_MIGRATE_VPMEM'
RESUME = 'CUSTOM_COMPUTE_MIGRATE_POSTCOPY_RESUME'


def _instance(specs=None, vm_state=fields.VMState.ACTIVE):
    return objects.Instance(
        uuid='4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f', project_id='p',
        user_id='u', vm_state=vm_state, image_ref=None,
        flavor=objects.Flavor(flavorid='f', name='f', vcpus=1,
                              memory_mb=1024, extra_specs=specs or {}),
        system_metadata={})


class TraitsTestCase(test.NoDBTestCase):

    def _tree(self, versions):
        fake_host = mock.Mock(spec=host.Host)
        fake_host.get_versions.return_value = versions
        fake_host.migration_traits.side_effect = lambda: {
            trait: host.Host.has_min_version(fake_host, *mins)
            for trait, mins in host.MIN_VERSIONS.items()}
        tree = provider_tree.ProviderTree()
        tree.new_root('node1', 'rp-uuid')
        tree.add_traits('node1', 'CUSTOM_KEEP', PC)
        driver.LibvirtDriver(fake_host).update_provider_tree(tree, 'node1')
        return tree.data('node1').traits

    def test_modern_host_reports_both_whatever_permit_says(self):
        self.flags(group='libvirt', live_migration_permit_post_copy=False,
                   live_migration_permit_auto_converge=False)
        self.assertEqual({AC, PC, VPMEM, RESUME, 'CUSTOM_KEEP'},
                         self._tree(((9, 0, 0), (7, 2, 0))))

    def test_vpmem_live_migration_needs_libvirt_5_and_qemu_3_1(self):
        self.assertEqual({AC, PC, 'CUSTOM_KEEP'},
                         self._tree(((4, 10, 0), (7, 2, 0))))
        self.assertEqual({AC, PC, RESUME, 'CUSTOM_KEEP'},
                         self._tree(((9, 0, 0), (3, 0, 0))))
        self.assertIn(VPMEM, self._tree(((5, 0, 0), (3, 1, 0))))

    def test_postcopy_resume_needs_libvirt_8_5_and_qemu_3(self):
        self.assertNotIn(RESUME, self._tree(((8, 4, 0), (7, 2, 0))))
        self.assertNotIn(RESUME, self._tree(((9, 0, 0), (2, 12, 0))))
        self.assertIn(RESUME, self._tree(((8, 5, 0), (3, 0, 0))))

    def test_old_qemu_has_no_post_copy(self):
        self.assertEqual({AC, 'CUSTOM_KEEP'},
                         self._tree(((9, 0, 0), (2, 4, 1))))

    def test_ancient_libvirt_has_neither(self):
        self.assertEqual({'CUSTOM_KEEP'}, self._tree(((1, 2, 2), (7, 0, 0))))

    def test_version_tuple(self):
        self.assertEqual((9, 0, 0), host.version_tuple(9000000))
        self.assertEqual((1, 3, 3), host.version_tuple(1003003))


class RequestsTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.driver = driver.LibvirtDriver(mock.Mock(spec=host.Host))

    def test_no_active_migration(self):
        for call in (self.driver.live_migration_force_complete,
                     self.driver.live_migration_abort):
            exc = self.assertRaises(exception.NoActiveMigration, call,
                                    _instance())
            self.assertEqual(409, exc.code)

    def _activate(self, phase):
        guest = mock.Mock()
        monitor = migration.Monitor(0, migration.MonitorConfig(), True,
                                    False, 2)
        monitor.phase = phase
        self.outcome = driver.MigrationOutcome(status='running', flags=[],
                                               policy={})
        self.driver._active[_instance().uuid] = driver._Active(
            guest, monitor, self.outcome)
        return guest

    def test_progress_of_running_migration(self):
        self.assertIsNone(self.driver.migration_progress(_instance().uuid))
        self._activate(migration.Phase.PRECOPY)
        self.assertEqual((None, []),
                         self.driver.migration_progress(_instance().uuid))
        sample = driver.Sample(1.5, 10, 20, 2, 50, 0, 'PRECOPY')
        decision = migration.Decision(migration.Action.SET_DOWNTIME, 50)
        self.outcome.samples.append(sample)
        self.outcome.actions.append((0.0, decision))
        self.assertEqual((sample, [(0.0, decision)]),
                         self.driver.migration_progress(_instance().uuid))

    def test_abort_refused_in_post_copy(self):
        guest = self._activate(migration.Phase.POSTCOPY)
        exc = self.assertRaises(exception.MigrationAbortNotAllowed,
                                self.driver.live_migration_abort,
                                _instance())
        self.assertIn('post-copy', str(exc))
        self.assertFalse(guest.abort_job.called)

    def test_abort_in_pre_copy(self):
        guest = self._activate(migration.Phase.PRECOPY)
        self.driver.live_migration_abort(_instance())
        guest.abort_job.assert_called_once_with()

    def test_force_complete_sets_request(self):
        self._activate(migration.Phase.PRECOPY)
        self.driver.live_migration_force_complete(_instance())
        active = self.driver._active[_instance().uuid]
        self.assertTrue(active.take_force())
        self.assertFalse(active.take_force())

    def test_policy_uses_host_options_and_paused(self):
        self.flags(group='libvirt', live_migration_permit_post_copy=True)
        inst = _instance()
        self.assertTrue(self.driver.migration_policy(inst).post_copy.enabled)
        self.assertFalse(self.driver.migration_policy(
            inst, paused=True).post_copy.enabled)
        inst = _instance({'compute:live_migration_post_copy': 'false'})
        self.assertFalse(self.driver.migration_policy(
            inst).post_copy.enabled)

    def test_policy_knows_the_instances_vpmem_devices(self):
        # A guest holding vPMEM devices never post-copies, even when its
        # flavor does not say hw:pmem (real libvirt refuses the pair).
        inst = _instance()
        self.assertTrue(self.driver.migration_policy(inst).post_copy.enabled)
        device = objects.LibvirtVPMEMDevice(
            label='L', name='ns0', size=2 ** 30, devpath='/dev/dax0.0',
            align=2 ** 21)
        inst.resources = objects.ResourceList(objects=[objects.Resource(
            provider_uuid='4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f',
            resource_class='CUSTOM_PMEM_NAMESPACE_L', identifier='ns0',
            metadata=device)])
        policy = self.driver.migration_policy(inst)
        self.assertFalse(policy.post_copy.enabled)
        self.assertEqual('vpmem', policy.post_copy.origin.value)

    def test_purpose_and_capabilities_reach_the_resolver(self):
        inst = _instance()
        policy = self.driver.migration_policy(
            inst, purpose='rebalance',
            capabilities={'COMPUTE_MIGRATE_POST_COPY'})
        self.assertEqual('rebalance', policy.limits.purpose)
        self.assertFalse(policy.post_copy.enabled)
        self.assertFalse(policy.auto_converge.enabled)


class HostModuleTestCase(test.NoDBTestCase):

    def test_sim_scheme_selected(self):
        self.assertTrue(host.is_simulated('sim://h1/system'))
        self.assertFalse(host.is_simulated('qemu:///system'))
        self.assertFalse(host.is_simulated(None))

    def test_missing_libvirt_python_is_a_clear_error(self):
        with mock.patch('oslo_utils.importutils.import_module',
                        side_effect=ImportError('no module named libvirt')):
            exc = self.assertRaises(exception.HypervisorUnavailable,
                                    host.libvirt_module_for,
                                    'qemu:///system')
        self.assertIn('libvirt-python', str(exc))


class SpawnTestCase(test.NoDBTestCase):

    def _spawn(self, simulated, image_props=None, **libvirt_opts):
        self.flags(state_path=self.useFixture(
            fixtures.TempDir()).path)
        self.flags(group='libvirt', **libvirt_opts)
        fake_host = mock.Mock(spec=host.Host)
        fake_host.simulated = simulated
        inst = _instance()
        inst.resources = None
        inst.system_metadata = {'image_%s' % k: v
                                for k, v in (image_props or {}).items()}
        drv = driver.LibvirtDriver(fake_host)
        drv.spawn(inst)
        xml = fake_host.define_guest.call_args[0][0]
        return drv, inst, etree.fromstring(xml)

    def test_direct_boot_with_image_command_line(self):
        drv, inst, root = self._spawn(
            False, {'os_command_line': 'quiet dirty_mb=64'},
            virt_type='qemu', guest_kernel='/lab/vmlinux',
            guest_initrd='/lab/initrd.gz')
        self.assertEqual('qemu', root.get('type'))
        self.assertEqual('/lab/vmlinux', root.findtext('os/kernel'))
        self.assertEqual('/lab/initrd.gz', root.findtext('os/initrd'))
        self.assertEqual('console=ttyS0 quiet dirty_mb=64',
                         root.findtext('os/cmdline'))
        console = drv.console_log_path(inst)
        self.assertEqual(os.path.join(drv.instance_dir(inst),
                                      'console.log'), console)
        self.assertEqual(console,
                         root.find('devices/serial/source').get('path'))
        self.assertTrue(os.path.isdir(drv.instance_dir(inst)))

    def test_default_is_kvm_without_kernel(self):
        drv, inst, root = self._spawn(False)
        self.assertEqual('kvm', root.get('type'))
        self.assertIsNone(root.find('os/kernel'))
        self.assertIsNotNone(root.find('devices/serial'))

    def test_simulated_host_gets_no_console_file(self):
        drv, inst, root = self._spawn(True, guest_kernel='/lab/vmlinux')
        self.assertEqual('console=ttyS0', root.findtext('os/cmdline'))
        self.assertIsNone(root.find('devices/serial'))
        self.assertFalse(os.path.exists(drv.instance_dir(inst)))


class MigrationParamsTestCase(test.NoDBTestCase):

    def test_params(self):
        params = driver.LibvirtDriver.migration_params
        self.assertEqual({}, params())
        self.assertEqual({'bandwidth': 10, 'destination_xml': '<x/>',
                          'migrate_uri': 'tcp://127.0.0.1',
                          'listen_address': '127.0.0.1'},
                         params(10, '<x/>', '127.0.0.1'))
        self.assertEqual('tcp://[fd00::2]',
                         params(target_connect_addr='fd00::2')['migrate_uri'])

    def test_inbound_addr_option(self):
        self.flags(group='libvirt', live_migration_inbound_addr='10.0.0.2')
        self.assertEqual('10.0.0.2', driver.LibvirtDriver(
            mock.Mock(spec=host.Host)).live_migration_inbound_addr)


class FinalJobInfoTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.host = mock.Mock(spec=host.Host)
        self.driver = driver.LibvirtDriver(self.host)
        self.outcome = driver.MigrationOutcome('running', [], {})
        self.outcome.last_info = job.JobInfo(type=job.JOB_UNBOUNDED,
                                             data_total=5, time_elapsed=4)
        self.call = mock.Mock(error=None)

    def _final(self, info):
        return self.driver._final_job_info(_instance(), 'dest-uri',
                                           self.call, info, self.outcome)

    def test_source_statistics_win(self):
        info = job.JobInfo(type=job.JOB_COMPLETED, data_total=9)
        self.assertIs(info, self._final(info))
        self.host.completed_job_info.assert_not_called()

    def test_destination_statistics_after_real_migration(self):
        dest = job.JobInfo(type=job.JOB_COMPLETED, data_total=9)
        self.host.completed_job_info.return_value = dest
        self.assertIs(dest, self._final(job.JobInfo(type=job.JOB_COMPLETED)))
        self.host.completed_job_info.assert_called_once_with(
            'dest-uri', _instance().uuid)

    def test_last_sample_when_nothing_else(self):
        self.host.completed_job_info.return_value = job.JobInfo()
        self.assertIs(self.outcome.last_info,
                      self._final(job.JobInfo(type=job.JOB_COMPLETED)))
        self.call.error = exception.LibvirtCallFailed(
            operation='migrateToURI3', code=78, reason='aborted',
            aborted=True)
        self.host.completed_job_info.reset_mock()
        self.assertIs(self.outcome.last_info,
                      self._final(job.JobInfo(type=job.JOB_CANCELLED)))
        self.host.completed_job_info.assert_not_called()


class ApplyRaceTestCase(test.NoDBTestCase):

    def test_call_failing_because_the_job_ended_is_not_a_bug(self):
        guest = mock.Mock()
        guest.migrate_configure_max_downtime.side_effect = (
            exception.LibvirtCallFailed(operation='migrateSetMaxDowntime',
                                        code=42, reason='Domain not found'))
        guest.get_job_info.return_value = job.JobInfo(
            type=job.JOB_COMPLETED)
        drv = driver.LibvirtDriver(mock.Mock(spec=host.Host))
        decision = migration.Decision(migration.Action.SET_DOWNTIME, 50)
        self.assertFalse(drv._apply_unless_over(guest, decision))
        guest.get_job_info.return_value = job.JobInfo(
            type=job.JOB_UNBOUNDED)
        self.assertRaises(exception.LibvirtCallFailed,
                          drv._apply_unless_over, guest, decision)
