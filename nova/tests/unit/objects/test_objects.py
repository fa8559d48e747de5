"""Pin every object's fields and remotable methods to its version.

A change to an object's fields without a version bump changes its hash
and fails test_versions: bump VERSION, add a "Version 1.N" note and
obj_make_compatible handling, then update the hash here.
"""

from oslo_utils import timeutils
from oslo_versionedobjects import fixture

from nova import exception
from nova import objects
from nova.objects import base
from nova.objects import fields
from nova import test

OBJECT_HASHES = {
    'ComputeNode': '1.2-4f1264f0c3a1003260a7e6e6ea9fb7f9',
    'Flavor': '1.0-da86ef7d6f792e10afc483c1d67230b4',
    'HostDrain': '1.1-ce4df2f5b292410dd08bc6d7f2b9d36e',
    'HostDrainEntry': '1.0-d214669ab0cd660b4aee8988d7d47b8c',
    'ImageMeta': '1.0-352dcd0a656a05c5a3d46664d12d7761',
    'ImageMetaProps': '1.4-bfa1f9f3b02d5b34085e870634bbbd29',
    'Instance': '1.3-1d01cdb0025b9e26958ce354ba7fd12c',
    'InstanceNUMACell': '1.0-8cae6d80837793f7a81576355a1dd6b9',
    'InstanceNUMATopology': '1.0-c63fad38be73b6afd04715c9c1b29220',
    'LiveMigrateData': '1.0-d8612586a336d5e11fa96660240d9fd4',
    'LiveMigrationOutcome': '1.0-102e83d8f1cc25203122d20fff013953',
    'LibvirtVPMEMDevice': '1.0-02efd3d6f03e75de354673bdc28c780c',
    'Migration': '1.4-3b2944490e89fb14d2ba69612f017fe2',
    'MigrationContext': '1.0-2b60f0be86e6e27eee911564d18adc7e',
    'MigrationProgress': '1.0-c4c1ed6d38050b4efeacd6be7288e6c6',
    'RequestSpec': '1.0-c962c6cf6140781b5f54f2740824990c',
    'Resource': '1.0-7a0a1dd883732d31fef5532dde3108e8',
    'ResourceList': '1.0-5fed4688e516b8e676f791ebf9571b6c',
    'Service': '1.1-43fabd253c5294eb9f8c3dfd8cc5fbf0',
}


class ObjectVersionsTestCase(test.NoDBTestCase):

    def test_versions(self):
        checker = fixture.ObjectVersionChecker(
            base.NovaObjectRegistry.obj_classes())
        expected, actual = checker.test_hashes(OBJECT_HASHES)
        self.assertEqual(expected, actual,
                         'Object fields changed: bump the version')

    def test_registered_on_package(self):
        for name in OBJECT_HASHES:
            self.assertTrue(hasattr(objects, name), name)


class ImageMetaPropsTestCase(test.NoDBTestCase):

    def _props(self):
        return objects.ImageMetaProps.from_dict({
            'compute_live_migration_auto_converge': 'false',
            'compute_live_migration_post_copy': 'yes',
            'hw_disk_bus': 'virtio',
            'os_command_line': 'console=ttyS0 dirty_mb=64',
            'unknown_property': 'ignored'})

    def test_sla_tier(self):
        props = objects.ImageMetaProps.from_dict(
            {'compute_live_migration_sla': 'panda'})
        self.assertEqual('panda', props.compute_live_migration_sla)
        exc = self.assertRaises(
            exception.InvalidImageProperty, objects.ImageMetaProps.from_dict,
            {'compute_live_migration_sla': 'gold'})
        self.assertIn('compute_live_migration_sla', str(exc))
        primitive = props.obj_to_primitive(target_version='1.3')
        self.assertNotIn('compute_live_migration_sla',
                         primitive['nova_object.data'])

    def test_from_dict(self):
        props = self._props()
        self.assertIs(False, props.compute_live_migration_auto_converge)
        self.assertIs(True, props.compute_live_migration_post_copy)
        self.assertEqual('virtio', props.hw_disk_bus)
        self.assertIsNone(props.get('hw_machine_type'))

    def test_strict_boolean(self):
        exc = self.assertRaises(
            exception.InvalidImageProperty, objects.ImageMetaProps.from_dict,
            {'compute_live_migration_post_copy': 'ture'})
        self.assertIn("compute_live_migration_post_copy='ture'", str(exc))

    def test_make_compatible(self):
        props = self._props()
        data = lambda v: props.obj_to_primitive(target_version=v)[
            'nova_object.data']
        self.assertIn('os_command_line', data('1.3'))
        self.assertNotIn('os_command_line', data('1.2'))
        self.assertIn('compute_live_migration_post_copy', data('1.2'))
        self.assertIn('compute_live_migration_auto_converge', data('1.1'))
        self.assertNotIn('compute_live_migration_post_copy', data('1.1'))
        self.assertNotIn('compute_live_migration_auto_converge', data('1.0'))
        self.assertIn('hw_disk_bus', data('1.0'))

    def test_system_metadata_round_trip(self):
        image = objects.ImageMeta(id=None, name='img',
                                  properties=self._props())
        instance = objects.Instance(
            uuid='4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f', project_id='p',
            user_id='u', vm_state=fields.VMState.ACTIVE, image_ref=None,
            flavor=objects.Flavor(flavorid='f', name='f', vcpus=1,
                                  memory_mb=1),
            system_metadata=image.to_system_metadata())
        again = instance.image_meta.properties
        self.assertIs(True, again.compute_live_migration_post_copy)
        self.assertIs(False, again.compute_live_migration_auto_converge)
        self.assertEqual('console=ttyS0 dirty_mb=64', again.os_command_line)
        self.assertFalse(instance.is_paused)


class FlavorAndNodeTestCase(test.NoDBTestCase):

    def test_flavor_disk(self):
        flavor = objects.Flavor(flavorid='f', name='f', vcpus=1,
                                memory_mb=1, root_gb=10, ephemeral_gb=5,
                                swap=1025)
        self.assertEqual(17, flavor.disk_gb)
        self.assertEqual({}, objects.Flavor(
            flavorid='f', name='f', vcpus=1, memory_mb=1).extra_specs)

    def test_compute_node_inventory(self):
        node = objects.ComputeNode(
            uuid='4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f', host='h',
            hypervisor_hostname='h', vcpus=8, memory_mb=4096, local_gb=50,
            reserved_host_memory_mb=512)
        inv = node.placement_inventory()
        self.assertEqual(4.0, inv['VCPU']['allocation_ratio'])
        self.assertEqual(512, inv['MEMORY_MB']['reserved'])
        self.assertEqual(50, inv['DISK_GB']['total'])

    def test_migration_status_enum(self):
        migration = objects.Migration(
            uuid='4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f',
            instance_uuid='5f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f',
            migration_type=fields.MigrationType.LIVE_MIGRATION,
            status=fields.MigrationStatus.POST_COPY)
        self.assertFalse(migration.is_final)
        migration.status = fields.MigrationStatus.CANCELLED
        self.assertTrue(migration.is_final)
        self.assertRaises(ValueError, setattr, migration, 'status',
                          'running (post-copy)')


class MigrationContextTestCase(test.NoDBTestCase):
    """The context is kept with the instance and switched in and out."""

    def setUp(self):
        super().setUp()
        from nova import context
        from nova.tests import fixtures as nova_fixtures

        self.useFixture(nova_fixtures.Database())
        self.ctxt = context.get_admin_context()
        old, new = self._resources('/dev/dax0.0'), self._resources(
            '/dev/dax1.3')
        self.instance = objects.Instance(
            context=self.ctxt, uuid='4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f',
            project_id='p', user_id='u', host='src', node='src',
            vm_state=fields.VMState.ACTIVE, resources=old,
            flavor=objects.Flavor(flavorid='f', name='f', vcpus=2,
                                  memory_mb=1024))
        self.instance.create()
        self.instance.migration_context = objects.MigrationContext(
            instance_uuid=self.instance.uuid, migration_id=7,
            old_numa_topology=None, new_numa_topology=None,
            old_resources=old, new_resources=new)
        self.instance.save()

    @staticmethod
    def _resources(devpath):
        return objects.ResourceList(objects=[objects.Resource(
            provider_uuid='2b1c7d3e-0f4a-4c8b-9a6d-5e7f8a9b0c1d',
            resource_class='CUSTOM_PMEM_NAMESPACE_SMALL', identifier='ns',
            metadata=objects.LibvirtVPMEMDevice(
                label='SMALL', name='ns', size=1, devpath=devpath,
                align=1))])

    def _paths(self, inst):
        return [d.devpath for d in inst.resources.vpmems]

    def test_persisted_in_instance_extra(self):
        stored = objects.Instance.get_by_uuid(self.ctxt, self.instance.uuid)
        self.assertEqual(7, stored.migration_context.migration_id)
        self.assertEqual(['/dev/dax1.3'], [
            d.devpath for d in stored.migration_context.new_resources.vpmems])

    def test_mutated_is_temporary(self):
        with self.instance.mutated_migration_context():
            self.assertEqual(['/dev/dax1.3'], self._paths(self.instance))
        self.assertEqual(['/dev/dax0.0'], self._paths(self.instance))
        self.assertNotIn('resources', self.instance.obj_what_changed())

    def test_apply_revert_drop(self):
        self.instance.apply_migration_context()
        self.assertEqual(['/dev/dax1.3'], self._paths(self.instance))
        self.instance.revert_migration_context()
        self.assertEqual(['/dev/dax0.0'], self._paths(self.instance))
        self.instance.drop_migration_context()
        stored = objects.Instance.get_by_uuid(self.ctxt, self.instance.uuid)
        self.assertIsNone(stored.migration_context)

    def test_json_round_trip(self):
        ctx = self.instance.migration_context
        again = objects.MigrationContext.from_json(ctx.to_json())
        self.assertEqual(ctx.obj_to_primitive(), again.obj_to_primitive())
        self.assertIsNone(objects.MigrationContext.from_json(None))

    def test_instance_make_compatible_drops_new_fields(self):
        from oslo_versionedobjects import base as ovo_base

        manifest = ovo_base.obj_tree_get_versions('Instance')
        data = self.instance.obj_to_primitive(
            target_version='1.0', version_manifest=manifest)[
            'nova_object.data']
        self.assertNotIn('migration_context', data)
        self.assertIn('flavor', data)

    def test_deleting_cannot_go_to_an_older_instance(self):
        from oslo_versionedobjects import base as ovo_base

        from nova import exception

        self.instance.task_state = fields.TaskState.DELETING
        manifest = ovo_base.obj_tree_get_versions('Instance')
        self.assertRaises(exception.ObjectActionError,
                          self.instance.obj_to_primitive,
                          target_version='1.1', version_manifest=manifest)


class InstanceCompareAndSwapTestCase(test.NoDBTestCase):
    """save(expected_task_state=...) is a compare-and-swap."""

    def setUp(self):
        super().setUp()
        from nova import context
        from nova.tests import fixtures as nova_fixtures

        self.useFixture(nova_fixtures.Database())
        self.ctxt = context.get_admin_context()
        self.instance = objects.Instance(
            context=self.ctxt, uuid='0c9d2a51-8f44-4d0e-9b8f-6c1d2e3f4a5b',
            project_id='p', user_id='u', host='src', node='src',
            vm_state=fields.VMState.ACTIVE,
            flavor=objects.Flavor(flavorid='f', name='f', vcpus=1,
                                  memory_mb=512))
        self.instance.create()

    def _copy(self):
        return objects.Instance.get_by_uuid(self.ctxt, self.instance.uuid)

    def test_second_writer_loses(self):
        from nova import exception

        first, second = self._copy(), self._copy()
        first.task_state = fields.TaskState.MIGRATING
        first.save(expected_task_state=[None])
        second.task_state = fields.TaskState.REBUILDING
        exc = self.assertRaises(exception.UnexpectedInstanceState,
                                second.save, expected_task_state=[None])
        self.assertIn('task_state migrating, expected none', str(exc))
        # Nothing of the loser's change was written.
        self.assertEqual(fields.TaskState.MIGRATING,
                         self._copy().task_state)

    def test_vm_state_expectation(self):
        from nova import exception

        inst = self._copy()
        inst.task_state = fields.TaskState.MIGRATING
        self.assertRaises(exception.InstanceInvalidState, inst.save,
                          expected_task_state=[None],
                          expected_vm_state=[fields.VMState.PAUSED])
        inst.save(expected_task_state=None,
                  expected_vm_state=fields.VMState.ACTIVE)
        self.assertEqual(fields.TaskState.MIGRATING,
                         self._copy().task_state)

    def test_threads_racing_one_wins(self):
        import threading

        from nova import exception

        barrier = threading.Barrier(8)
        wins, losses = [], []

        def attempt():
            inst = self._copy()
            inst.task_state = fields.TaskState.MIGRATING
            barrier.wait()
            try:
                inst.save(expected_task_state=[None])
                wins.append(1)
            except exception.UnexpectedInstanceState:
                losses.append(1)
        threads = [threading.Thread(target=attempt) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual((1, 7), (len(wins), len(losses)))


class HostDrainCompatTestCase(test.NoDBTestCase):

    def _drain(self, state):
        return objects.HostDrain(
            host='h1', purpose=fields.MigrationPurpose.EVACUATE_HOST,
            state=state, max_concurrent=1, order='largest-memory-first',
            started_at=timeutils.utcnow(), finished_at=None, elapsed_s=None,
            entries=[])

    def _old(self, state):
        # As an older service asks over RPC: with its version manifest.
        from oslo_versionedobjects import base as ovo_base

        manifest = dict(ovo_base.obj_tree_get_versions('HostDrain'),
                        HostDrain='1.0')
        return self._drain(state).obj_to_primitive(
            target_version='1.0', version_manifest=manifest)

    def test_interrupted_is_partial_for_1_0(self):
        from nova.objects import host_drain

        old = self._old(host_drain.DrainState.INTERRUPTED)
        self.assertEqual(('1.0', host_drain.DrainState.PARTIAL),
                         (old['nova_object.version'],
                          old['nova_object.data']['state']))
        kept = self._old(host_drain.DrainState.DRAINED)
        self.assertEqual(host_drain.DrainState.DRAINED,
                         kept['nova_object.data']['state'])
