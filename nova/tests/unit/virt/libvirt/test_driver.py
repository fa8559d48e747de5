from unittest import mock

from nova.compute import provider_tree
from nova import exception
from nova import objects
from nova.objects import fields
from nova import test
from nova.virt.libvirt import driver
from nova.virt.libvirt import host
from nova.virt.libvirt import migration

AC = 'COMPUTE_MIGRATE_AUTO_CONVERGE'
PC = 'COMPUTE_MIGRATE_POST_COPY'
VPMEM = 'CUSTOM_COMPUTE_MIGRATE_VPMEM'


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
        self.assertEqual({AC, PC, VPMEM, 'CUSTOM_KEEP'},
                         self._tree(((9, 0, 0), (7, 2, 0))))

    def test_vpmem_live_migration_needs_libvirt_5_and_qemu_3_1(self):
        self.assertEqual({AC, PC, 'CUSTOM_KEEP'},
                         self._tree(((4, 10, 0), (7, 2, 0))))
        self.assertEqual({AC, PC, 'CUSTOM_KEEP'},
                         self._tree(((9, 0, 0), (3, 0, 0))))
        self.assertIn(VPMEM, self._tree(((5, 0, 0), (3, 1, 0))))

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
