"""Tests of the scenario runner's pure helpers (nova.scenario.runner)."""

import ddt

from nova import objects
from nova.scenario import runner
from nova.scenario import schema
from nova.sim import model
from nova import test

FLAVOR = {'vcpus': 2, 'memory_mb': 2048, 'disk_gb': 10}


class StringsTestCase(test.NoDBTestCase):

    def test_none_and_empty(self):
        self.assertEqual({}, runner._strings(None))
        self.assertEqual({}, runner._strings({}))

    def test_values_become_strings(self):
        self.assertEqual(
            {'compute:live_migration_post_copy': 'true',
             'compute:live_migration_auto_converge': 'false',
             'hw:numa_nodes': '2', 'hw:pmem': 'SMALL',
             'hw_ratio': '0.5'},
            runner._strings({
                'compute:live_migration_post_copy': True,
                'compute:live_migration_auto_converge': False,
                'hw:numa_nodes': 2, 'hw:pmem': 'SMALL', 'hw_ratio': 0.5}))

    def test_input_is_not_changed(self):
        metadata = {'a': True}
        runner._strings(metadata)
        self.assertEqual({'a': True}, metadata)


class WorkloadForTestCase(test.NoDBTestCase):

    def test_idle_when_no_keys(self):
        idle = model.Workload.idle(2048, disk_gb=10)
        self.assertEqual(idle, runner.workload_for(FLAVOR, None))
        self.assertEqual(idle, runner.workload_for(FLAVOR, {}))
        # Phases alone are no workload keys.
        self.assertEqual(idle, runner.workload_for(
            FLAVOR, {'phases': [{'at': 5, 'wws_mb': 100}]}))
        self.assertEqual(model.IDLE_WWS_MB, idle.wws_mb)
        self.assertEqual(model.IDLE_DIRTY_RATE_MBPS, idle.dirty_rate_mbps)

    def test_ram_and_disk_from_the_flavor(self):
        workload = runner.workload_for(
            {'vcpus': 1, 'memory_mb': 512}, {'wws_mb': 256,
                                             'dirty_rate_mbps': 100})
        self.assertEqual(512, workload.ram_mb)
        self.assertEqual(0, workload.disk_gb)
        self.assertEqual(256, workload.wws_mb)
        self.assertEqual(100, workload.dirty_rate_mbps)

    def test_all_keys(self):
        spec = {'wws_mb': 1024, 'dirty_rate_mbps': 800,
                'cold_dirty_rate_mbps': 5, 'cpu_bound_fraction': 0.3,
                'zero_fraction': 0.2, 'disk_write_rate_mbps': 50}
        self.assertEqual(
            model.Workload(ram_mb=2048, disk_gb=10, **spec),
            runner.workload_for(FLAVOR, spec))

    def test_defaults_for_missing_base_keys(self):
        workload = runner.workload_for(FLAVOR, {'cpu_bound_fraction': 0.5})
        self.assertEqual(model.IDLE_WWS_MB, workload.wws_mb)
        self.assertEqual(model.IDLE_DIRTY_RATE_MBPS,
                         workload.dirty_rate_mbps)
        self.assertEqual(0.5, workload.cpu_bound_fraction)

    def test_default_working_set_capped_by_ram(self):
        workload = runner.workload_for({'vcpus': 1, 'memory_mb': 8},
                                       {'dirty_rate_mbps': 1})
        self.assertEqual(8, workload.wws_mb)

    def test_phase_overrides_base(self):
        spec = {'wws_mb': 1536, 'dirty_rate_mbps': 200,
                'cpu_bound_fraction': 0.4,
                'phases': [{'at': 40, 'dirty_rate_mbps': 3000}]}
        base = runner.workload_for(FLAVOR, spec)
        phase = runner.workload_for(FLAVOR, spec, spec['phases'][0])
        self.assertEqual(200, base.dirty_rate_mbps)
        self.assertEqual(3000, phase.dirty_rate_mbps)
        # Keys the phase does not name keep the base values.
        self.assertEqual(1536, phase.wws_mb)
        self.assertEqual(0.4, phase.cpu_bound_fraction)
        self.assertEqual(2048, phase.ram_mb)
        self.assertEqual(10, phase.disk_gb)

    def test_phase_without_base(self):
        phase = runner.workload_for(FLAVOR, None,
                                    {'at': 3, 'wws_mb': 512})
        self.assertEqual(512, phase.wws_mb)
        self.assertEqual(model.IDLE_DIRTY_RATE_MBPS, phase.dirty_rate_mbps)


@ddt.ddt
class PolicyLabelTestCase(test.NoDBTestCase):

    @ddt.data(
        ({'post_copy': True, 'post_copy_origin': 'flavor',
          'auto_converge': False}, 'post-copy (flavor)'),
        ({'post_copy': True, 'post_copy_origin': 'image'},
         'post-copy (image)'),
        ({'post_copy': False, 'auto_converge': True,
          'auto_converge_origin': 'image'}, 'auto-converge (image)'),
        ({'auto_converge': True, 'auto_converge_origin': 'host'},
         'auto-converge (host)'),
        ({'post_copy': False, 'auto_converge': False}, 'pre-copy'),
        ({}, 'pre-copy'),
    )
    @ddt.unpack
    def test_label(self, policy, label):
        self.assertEqual(label, runner.policy_label(policy))

    def test_post_copy_wins(self):
        self.assertEqual('post-copy (host)', runner.policy_label({
            'post_copy': True, 'post_copy_origin': 'host',
            'auto_converge': True, 'auto_converge_origin': 'flavor'}))


class FlavorObjectTestCase(test.NoDBTestCase):

    def test_fields(self):
        flavor = runner.flavor_object('post-copy', {
            'vcpus': 2, 'memory_mb': 2048, 'disk_gb': 10,
            'extra_specs': {'compute:live_migration_post_copy': True,
                            'hw:pmem': 'SMALL'}})
        self.assertIsInstance(flavor, objects.Flavor)
        self.assertEqual('post-copy', flavor.flavorid)
        self.assertEqual('post-copy', flavor.name)
        self.assertEqual(2, flavor.vcpus)
        self.assertEqual(2048, flavor.memory_mb)
        self.assertEqual(10, flavor.root_gb)
        self.assertEqual({'compute:live_migration_post_copy': 'true',
                          'hw:pmem': 'SMALL'}, flavor.extra_specs)

    def test_defaults(self):
        flavor = runner.flavor_object('small', {'vcpus': 1,
                                                'memory_mb': 512})
        self.assertEqual(0, flavor.root_gb)
        self.assertEqual({}, flavor.extra_specs)

    def test_default_scenario_flavors(self):
        _source, data = schema.load()
        for name, spec in data['flavors'].items():
            flavor = runner.flavor_object(name, spec)
            self.assertEqual(spec['memory_mb'], flavor.memory_mb)
            for value in flavor.extra_specs.values():
                self.assertIsInstance(value, str)


class ImageForTestCase(test.NoDBTestCase):

    SCENARIO = {
        'flavors': {'f': {'vcpus': 1, 'memory_mb': 256}},
        'images': {'img': {'properties': {
            'compute_live_migration_post_copy': False}}},
    }

    def test_properties_as_strings(self):
        self.assertEqual(
            {'properties': {'compute_live_migration_post_copy': 'false'}},
            runner.image_for(self.SCENARIO, {'flavor': 'f', 'image': 'img'}))

    def test_no_image(self):
        self.assertEqual({'properties': {}},
                         runner.image_for(self.SCENARIO, {'flavor': 'f'}))

    def test_real_guest_gets_workload_on_command_line(self):
        spec = {'flavor': 'f', 'image': 'img',
                'workload': {'wws_mb': 128, 'dirty_rate_mbps': 40}}
        props = runner.image_for(self.SCENARIO, spec, real=True)[
            'properties']
        self.assertEqual('dirty_mb=128 dirty_rate=40',
                         props['os_command_line'])
        self.assertNotIn('os_command_line', runner.image_for(
            self.SCENARIO, spec)['properties'])
