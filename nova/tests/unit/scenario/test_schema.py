"""Tests of scenario loading and validation (nova.scenario.schema)."""

import copy
import os

import ddt
import fixtures

from nova import exception
from nova.scenario import schema
from nova import test

SOURCE = 'x.yaml'


def _scenario(real=False):
    """A small valid scenario: two hosts, one flavor, image, instance."""
    hosts = {'h1': {}, 'h2': {}}
    if real:
        hosts = {'h1': {'libvirt_uri': 'qemu+tcp://h1/system'},
                 'h2': {'libvirt_uri': 'qemu+tcp://h2/system'}}
    return {
        'name': 'small',
        'hosts': hosts,
        'links': [{'hosts': ['h1', 'h2'], 'bandwidth_mbps': 1000}],
        'flavors': {'small': {'vcpus': 1, 'memory_mb': 1024}},
        'images': {'cirros': {}},
        'instances': {
            'vm1': {'flavor': 'small', 'image': 'cirros', 'host': 'h1',
                    'workload': {'wws_mb': 256, 'dirty_rate_mbps': 100}},
        },
        'steps': [
            {'live_migrate': 'vm1', 'to': 'h2'},
            {'wait': 5},
        ],
    }


def _set(data, path, value):
    """Set ``value`` at the key path ``path`` (a list) inside ``data``."""
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


@ddt.ddt
class ValidateTestCase(test.NoDBTestCase):

    def _error(self, data, source=SOURCE):
        exc = self.assertRaises(schema.ScenarioError, schema.validate,
                                data, source)
        return str(exc)

    def assertError(self, data, key, reason):
        """The message is exactly ``FILE: KEY: ...`` and names the reason."""
        message = self._error(data)
        self.assertTrue(message.startswith('%s: %s: ' % (SOURCE, key)),
                        message)
        self.assertIn(reason, message)
        return message

    def test_scenario_error_is_invalid(self):
        self.assertTrue(issubclass(schema.ScenarioError, exception.Invalid))
        exc = schema.ScenarioError(file='f.yaml', key='hosts', reason='why')
        self.assertEqual('f.yaml: hosts: why', str(exc))
        self.assertEqual(400, exc.code)

    def test_valid_small_scenario(self):
        data = _scenario()
        self.assertIs(data, schema.validate(data, SOURCE))

    def test_valid_real_scenario(self):
        data = _scenario(real=True)
        self.assertIs(data, schema.validate(data, SOURCE))

    @ddt.data(
        # (path to set, value, expected key, words of the reason)
        (['colour'], 'blue', 'colour', 'unknown key; expected one of: '
         'description, flavors, hosts'),
        (['hosts', 'h1', 'ram'], 1, 'hosts.h1.ram', 'unknown key'),
        (['steps', 0, 'speed'], 3, 'steps[0].speed', 'unknown key'),
        (['steps', 1, 'to'], 'h2', 'steps[1].to', 'unknown key'),
        (['instances', 'vm1', 'workload', 'dirty_rate_mbps'], -5,
         'instances.vm1.workload.dirty_rate_mbps', 'less than the minimum'),
        (['instances', 'vm1', 'workload', 'cpu_bound_fraction'], 2,
         'instances.vm1.workload.cpu_bound_fraction',
         'greater than the maximum'),
        (['instances', 'vm1', 'workload', 'zero_fraction'], 1,
         'instances.vm1.workload.zero_fraction', 'maximum'),
        (['instances', 'vm1', 'workload', 'phases'], [{'wws_mb': 1}],
         'instances.vm1.workload.phases[0]', "'at' is a required property"),
        (['flavors', 'small', 'memory_mb'], 'lots',
         'flavors.small.memory_mb', "is not of type 'integer'"),
        (['hosts', 'h1', 'qemu_version'], '2.4',
         'hosts.h1.qemu_version', 'does not match'),
        (['steps', 0, 'expect'], 'done', 'steps[0].expect',
         'is not one of'),
        (['steps', 1, 'wait'], 0, 'steps[1].wait',
         'less than or equal to the minimum'),
        (['links', 0, 'hosts'], ['h1'], 'links[0].hosts', 'too short'),
    )
    @ddt.unpack
    def test_schema_errors(self, path, value, key, reason):
        data = _scenario()
        _set(data, path, value)
        self.assertError(data, key, reason)

    def test_unknown_top_level_key_names_it(self):
        data = _scenario()
        data['colour'] = 'blue'
        message = self.assertError(data, 'colour', 'unknown key')
        for known in ('description', 'flavors', 'hosts', 'images',
                      'instances', 'links', 'name', 'steps'):
            self.assertIn(known, message)

    def test_missing_hosts(self):
        data = _scenario()
        del data['hosts']
        self.assertError(data, '(top level)', "'hosts' is a required")

    @ddt.data('bad host', 'x' * 64)
    def test_bad_host_name(self, name):
        data = _scenario()
        data['hosts'][name] = {}
        message = self.assertError(data, 'hosts', repr(name))
        # The reason promised for propertyNames, not the raw regex.
        self.assertIn('is not a valid name', message)

    @ddt.data(
        ({'live_migrate': 'vm1', 'evacuate': 'vm1'},
         'found live_migrate, evacuate'),
        ({'host_down': 'h1', 'host_up': 'h1'}, 'found host_down, host_up'),
        ({'note': 'nothing to do'}, 'found none'),
        ({}, 'found none'),
    )
    @ddt.unpack
    def test_step_kinds(self, step, found):
        data = _scenario()
        data['steps'].append(step)
        message = self.assertError(data, 'steps[2]',
                                   'a step has exactly one of the keys')
        self.assertIn(found, message)

    def test_step_not_a_mapping(self):
        data = _scenario()
        data['steps'].append('wait')
        self.assertError(data, 'steps[2]', "is not of type 'object'")

    @ddt.data(
        ({'live_migrate': 'vm1', 'to': 'h9'}, 'steps[2].to',
         "unknown host 'h9'; the scenario defines: h1, h2"),
        ({'evacuate': 'vm1', 'to': 'h9'}, 'steps[2].to', "unknown host 'h9'"),
        ({'live_migrate': 'vm9'}, 'steps[2].live_migrate',
         "unknown instance 'vm9'; the scenario defines: vm1"),
        ({'evacuate': 'vm9'}, 'steps[2].evacuate', "unknown instance 'vm9'"),
        ({'host_down': 'h9'}, 'steps[2].host_down', "unknown host 'h9'"),
        ({'host_up': 'h9'}, 'steps[2].host_up', "unknown host 'h9'"),
    )
    @ddt.unpack
    def test_step_references(self, step, key, reason):
        data = _scenario()
        data['steps'].append(step)
        self.assertError(data, key, reason)

    def test_unknown_instance_without_instances(self):
        data = _scenario()
        del data['instances']
        data['steps'] = [{'live_migrate': 'vm1'}]
        self.assertError(data, 'steps[0].live_migrate',
                         "unknown instance 'vm1'; the scenario defines: none")

    @ddt.data(
        ('flavor', 'huge', "unknown flavor 'huge'; the scenario defines: "
         'small'),
        ('image', 'fedora', "unknown image 'fedora'; the scenario defines: "
         'cirros'),
        ('host', 'h9', "unknown host 'h9'; the scenario defines: h1, h2"),
    )
    @ddt.unpack
    def test_instance_references(self, key, value, reason):
        data = _scenario()
        data['instances']['vm1'][key] = value
        self.assertError(data, 'instances.vm1.%s' % key, reason)

    def test_instance_flavor_without_flavors(self):
        data = _scenario()
        del data['flavors']
        self.assertError(data, 'instances.vm1.flavor',
                         "unknown flavor 'small'; the scenario defines: none")

    def test_unknown_host_in_link(self):
        data = _scenario()
        data['links'].append({'hosts': ['h2', 'h7'], 'bandwidth_mbps': 10})
        self.assertError(data, 'links[1].hosts', "unknown host 'h7'")

    def test_no_such_libvirt_option(self):
        data = _scenario()
        data['hosts']['h2']['libvirt'] = {'live_migration_warp_speed': 9}
        self.assertError(data, 'hosts.h2.libvirt.live_migration_warp_speed',
                         'no such [libvirt] option')

    @ddt.data(
        {'live_migration_downtime': 'soon'},
        {'live_migration_permit_post_copy': 'perhaps'},
        {'live_migration_completion_timeout': -1},
    )
    def test_bad_libvirt_value(self, opts):
        data = _scenario()
        data['hosts']['h1']['libvirt'] = opts
        (option, value), = opts.items()
        message = self.assertError(
            data, 'hosts.h1.libvirt.%s' % option,
            'bad value %r for this [libvirt] option: ' % (value,))
        self.assertNotIn('no such', message)

    def test_good_libvirt_values(self):
        data = _scenario()
        data['hosts']['h1']['libvirt'] = {
            'live_migration_downtime': 600,
            'live_migration_permit_post_copy': True,
            'live_migration_completion_timeout': 30}
        self.assertIs(data, schema.validate(data, SOURCE))

    def test_working_set_larger_than_flavor(self):
        data = _scenario()
        data['instances']['vm1']['workload']['wws_mb'] = 1025
        self.assertError(data, 'instances.vm1.workload.wws_mb',
                         "the working set (1025 MiB) is larger than the "
                         "flavor's memory (1024 MiB)")

    def test_working_set_equal_to_flavor(self):
        data = _scenario()
        data['instances']['vm1']['workload']['wws_mb'] = 1024
        self.assertIs(data, schema.validate(data, SOURCE))

    def test_only_some_hosts_real(self):
        data = _scenario()
        data['hosts']['h2']['libvirt_uri'] = 'qemu+tcp://h2/system'
        self.assertError(data, 'hosts',
                         'either every host has a libvirt_uri (real '
                         'libvirtd) or none has (simulated libvirt); these '
                         'have one: h2')

    @ddt.data(
        ('pmem_namespaces', {'SMALL': [{'name': 'ns0', 'size_gb': 4}]}),
        ('qemu_version', '8.2.0'),
        ('libvirt_version', '10.0.0'),
        ('memory_mb', 4096),
    )
    @ddt.unpack
    def test_simulated_only_host_keys_on_real_host(self, key, value):
        data = _scenario(real=True)
        data['hosts']['h1'][key] = value
        self.assertError(data, 'hosts.h1.%s' % key,
                         'only hosts on the simulated libvirt take this')

    def test_faults_on_real_hosts(self):
        data = _scenario(real=True)
        data['steps'][0]['faults'] = [{'network_drop': {'after': 1}}]
        self.assertError(data, 'steps[0].faults',
                         'injected faults need the simulated libvirt')

    def test_faults_on_simulated_hosts(self):
        data = _scenario()
        data['steps'][0]['faults'] = [{'network_drop': {'after': 1}}]
        self.assertIs(data, schema.validate(data, SOURCE))

    def test_host_down_on_real_hosts(self):
        data = _scenario(real=True)
        data['steps'].append({'host_down': 'h2'})
        self.assertError(data, 'steps[2].host_down',
                         'injected faults need the simulated libvirt')

    def test_phases_on_real_hosts(self):
        data = _scenario(real=True)
        data['instances']['vm1']['workload']['phases'] = [
            {'at': 10, 'dirty_rate_mbps': 500}]
        self.assertError(data, 'instances.vm1.workload.phases',
                         'phases need the simulated libvirt')

    def test_fault_with_two_kinds(self):
        data = _scenario()
        data['steps'][0]['faults'] = [{
            'network_drop': {'after': 1},
            'destination_failure': {'after': 2}}]
        self.assertError(data, 'steps[0].faults[0]', 'has too many')

    @ddt.data([], 'hosts: h1', 42, None)
    def test_top_level_not_a_mapping(self, data):
        self.assertError(data, '(top level)',
                         'a scenario is a mapping of keys, got %s' %
                         type(data).__name__)

    @ddt.data(
        # NaN and the infinities pass every JSON-schema bound; refused.
        (['instances', 'vm1', 'workload', 'dirty_rate_mbps'],
         float('nan'), 'instances.vm1.workload.dirty_rate_mbps', 'nan'),
        (['links', 0, 'bandwidth_mbps'], float('inf'),
         'links[0].bandwidth_mbps', 'inf is not a number a scenario can '
         'use; give a finite number'),
        (['steps', 1, 'wait'], float('-inf'), 'steps[1].wait', '-inf'),
        (['steps', 0, 'at'], float('nan'), 'steps[0].at', 'nan'),
        (['hosts', 'h1', 'libvirt'], {'live_migration_downtime':
                                      float('inf')},
         'hosts.h1.libvirt.live_migration_downtime', 'inf'),
        # null is never a value.
        (['hosts', 'h1', 'libvirt'], {'live_migration_downtime': None},
         'hosts.h1.libvirt.live_migration_downtime',
         'null is not a value; remove the key to use its default'),
        (['instances', 'vm1', 'image'], None, 'instances.vm1.image',
         'null is not a value'),
        (['steps', 0, 'to'], None, 'steps[0].to', 'null is not a value'),
        (['hosts', 'h2'], None, 'hosts.h2', 'null is not a value'),
        (['steps'], None, 'steps', 'null is not a value'),
        (['hosts', 7], {}, 'hosts.7', 'keys are text; this one reads as '
         'int 7 (write it in quotes)'),
        (['flavors', 'small', 'extra_specs'], {True: 'x'},
         'flavors.small.extra_specs.True', 'reads as bool True'),
    )
    @ddt.unpack
    def test_values_json_schema_lets_through(self, path, value, key,
                                             reason):
        data = _scenario()
        _set(data, path, value)
        self.assertError(data, key, reason)

    @ddt.data(
        # Every number has an upper bound (schema.MAX_*, compute_api.MAX_*).
        (['hosts', 'h1', 'memory_mb'], 16 * 1024 * 1024 + 1,
         'hosts.h1.memory_mb', 'greater than the maximum of 16777216'),
        (['hosts', 'h1', 'memory_mb'], 10 ** 30, 'hosts.h1.memory_mb',
         'maximum'),
        (['hosts', 'h1', 'vcpus'], 4097, 'hosts.h1.vcpus', 'maximum of 4096'),
        (['hosts', 'h1', 'disk_gb'], 1024 * 1024 + 1, 'hosts.h1.disk_gb',
         'maximum of 1048576'),
        (['hosts', 'h1', 'qemu_version'], '1.2.3456', 'hosts.h1.qemu_version',
         'does not match'),
        (['flavors', 'small', 'vcpus'], 4097, 'flavors.small.vcpus',
         'maximum of 4096'),
        (['flavors', 'small', 'memory_mb'], 16 * 1024 * 1024 + 1,
         'flavors.small.memory_mb', 'maximum of 16777216'),
        (['flavors', 'small', 'disk_gb'], 1024 * 1024 + 1,
         'flavors.small.disk_gb', 'maximum of 1048576'),
        (['links', 0, 'bandwidth_mbps'], 1024 * 1024 + 1,
         'links[0].bandwidth_mbps', 'maximum of 1048576'),
        (['links', 0, 'bandwidth_mbps'], 0.01, 'links[0].bandwidth_mbps',
         'less than the minimum of 0.1'),
        (['instances', 'vm1', 'workload', 'dirty_rate_mbps'], 2e6,
         'instances.vm1.workload.dirty_rate_mbps', 'maximum of 1048576'),
        (['instances', 'vm1', 'workload', 'cold_dirty_rate_mbps'], 2e6,
         'instances.vm1.workload.cold_dirty_rate_mbps', 'maximum'),
        (['instances', 'vm1', 'workload', 'disk_write_rate_mbps'], 2e6,
         'instances.vm1.workload.disk_write_rate_mbps', 'maximum'),
        (['instances', 'vm1', 'workload', 'phases'],
         [{'at': 86401, 'wws_mb': 1}],
         'instances.vm1.workload.phases[0].at', 'maximum of 86400'),
        (['steps', 0, 'at'], 86401, 'steps[0].at', 'maximum of 86400'),
        (['steps', 1, 'wait'], 86400.5, 'steps[1].wait', 'maximum of 86400'),
        (['steps', 0, 'force_complete_after'], 10 ** 9,
         'steps[0].force_complete_after', 'maximum of 86400'),
        (['steps', 0, 'abort_after'], 86401, 'steps[0].abort_after',
         'maximum'),
        (['steps', 0, 'faults'], [{'network_drop': {'after': 1,
                                                    'seconds': 1e7}}],
         'steps[0].faults[0].network_drop.seconds', 'maximum of 86400'),
        (['steps', 0, 'faults'], [{'network_drop': {'after': 1}}] * 11,
         'steps[0].faults', 'is too long'),
        (['migration_time_limit'], 0, 'migration_time_limit',
         'less than or equal to the minimum of 0'),
        (['migration_time_limit'], 86401, 'migration_time_limit',
         'maximum of 86400'),
        (['hosts', 'h1', 'pmem_namespaces'],
         {'SMALL': [{'name': 'ns0', 'size_gb': 0.001}]},
         'hosts.h1.pmem_namespaces.SMALL[0].size_gb',
         'less than the minimum of 0.00390625'),
        (['hosts', 'h1', 'pmem_namespaces'],
         {'SMALL': [{'name': 'ns0', 'size_gb': 16385}]},
         'hosts.h1.pmem_namespaces.SMALL[0].size_gb', 'maximum of 16384'),
        (['name'], 'n' * 4097, 'name', 'is too long'),
        (['steps', 0, 'note'], 'n' * 4097, 'steps[0].note', 'is too long'),
        (['flavors', 'small', 'extra_specs'], {'hw:pmem': 'L' * 256},
         'flavors.small.extra_specs.hw:pmem', 'is too long'),
        (['flavors', 'small', 'extra_specs'], {'k' * 256: 'v'},
         'flavors.small.extra_specs', 'is too long'),
        (['flavors', 'small', 'extra_specs'],
         {'k%d' % i: 'v' for i in range(65)}, 'flavors.small.extra_specs',
         'has too many properties'),
        (['images', 'cirros', 'properties'], {'k': 2 ** 31},
         'images.cirros.properties.k', 'maximum'),
        (['hosts', 'h1', 'libvirt'],
         {'live_migration_downtime_steps': 10 ** 9},
         'hosts.h1.libvirt.live_migration_downtime_steps', 'bad value'),
        (['hosts', 'h1', 'libvirt'],
         {'live_migration_completion_timeout': 86401},
         'hosts.h1.libvirt.live_migration_completion_timeout', 'bad value'),
    )
    @ddt.unpack
    def test_upper_bounds(self, path, value, key, reason):
        data = _scenario()
        _set(data, path, value)
        self.assertError(data, key, reason)

    @ddt.data(
        ('hosts', lambda i: ('h%d' % i, {}), 33),
        ('flavors', lambda i: ('f%d' % i, {'vcpus': 1, 'memory_mb': 64}),
         101),
        ('images', lambda i: ('i%d' % i, {}), 101),
        ('instances', lambda i: ('vm%d' % i, {'flavor': 'small'}), 201),
    )
    @ddt.unpack
    def test_too_many_definitions(self, key, make, count):
        data = _scenario()
        data[key].update(make(i) for i in range(count))
        self.assertError(data, key, 'has too many properties')

    def test_too_many_steps(self):
        data = _scenario()
        data['steps'] = [{'host_up': 'h1'}] * 501
        self.assertError(data, 'steps', 'is too long')

    def test_largest_values_accepted(self):
        data = _scenario()
        data['hosts']['h1'].update(memory_mb=16 * 1024 * 1024, vcpus=4096,
                                   disk_gb=1024 * 1024)
        data['migration_time_limit'] = 86400
        data['steps'] = [{'host_up': 'h1'}] * 499 + [{'wait': 86400}]
        self.assertIs(data, schema.validate(data, SOURCE))

    @ddt.data(
        ([{'wait': 50000}, {'wait': 50000}], 'the waits (100000 s) and the '
         'latest start time (0 s) add up to more than the 86400 s (one '
         'day) a scenario may schedule'),
        ([{'host_up': 'h1', 'at': 80000}, {'wait': 10000}],
         'the waits (10000 s) and the latest start time (80000 s)'),
    )
    @ddt.unpack
    def test_scenario_running_for_days(self, steps, reason):
        data = _scenario()
        data['steps'] = steps
        self.assertError(data, 'steps', reason)

    def test_phase_counts_in_the_timeline(self):
        data = _scenario()
        data['instances']['vm1']['workload']['phases'] = [{'at': 80000}]
        data['steps'] = [{'wait': 7000}]
        self.assertError(data, 'steps', 'latest start time (80000 s)')

    @ddt.data(
        ({'SMALL': [{'name': 'ns0', 'size_gb': 4},
                    {'name': 'ns0', 'size_gb': 4}]},
         'hosts.h1.pmem_namespaces.SMALL[1].name',
         "namespace 'ns0' is already defined at "
         'hosts.h1.pmem_namespaces.SMALL[0].name'),
        ({'SMALL': [{'name': 'ns0', 'size_gb': 4}],
          'LARGE': [{'name': 'ns0', 'size_gb': 16}]},
         'hosts.h1.pmem_namespaces.LARGE[0].name', 'already defined'),
    )
    @ddt.unpack
    def test_duplicate_pmem_namespace(self, namespaces, key, reason):
        data = _scenario()
        data['hosts']['h1']['pmem_namespaces'] = namespaces
        self.assertError(data, key, reason)

    def test_same_pmem_name_on_two_hosts(self):
        data = _scenario()
        for host in ('h1', 'h2'):
            data['hosts'][host]['pmem_namespaces'] = {
                'SMALL': [{'name': 'ns0', 'size_gb': 0.00390625}]}
        self.assertIs(data, schema.validate(data, SOURCE))

    def test_long_value_shortened_in_the_message(self):
        data = _scenario()
        data['steps'][0]['expect'] = 'x' * 100000
        message = self.assertError(data, 'steps[0].expect',
                                   '... (100002 characters) is not one of')
        self.assertLess(len(message), 400)

    def test_long_option_value_shortened_in_the_message(self):
        data = _scenario()
        data['hosts']['h1']['libvirt'] = {'live_migration_downtime':
                                          '9' * 5000 + 'x'}
        message = self.assertError(
            data, 'hosts.h1.libvirt.live_migration_downtime',
            "bad value '99999")
        self.assertIn('(5003 characters)', message)
        self.assertLess(len(message), 500)

    def test_long_name_shortened_in_the_message(self):
        data = _scenario()
        data['hosts']['h' * 5000] = {}
        message = self.assertError(data, 'hosts', 'is not a valid name')
        self.assertLess(len(message), 400)

    def test_first_error_is_the_shallowest(self):
        data = _scenario()
        data['colour'] = 'blue'
        data['instances']['vm1']['workload']['dirty_rate_mbps'] = -1
        self.assertError(data, 'colour', 'unknown key')


class LoadTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _write(self, text, name='scenario.yaml'):
        path = os.path.join(self.tmp, name)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
        return path

    def test_default_scenario(self):
        source, data = schema.load()
        self.assertEqual('default scenario (default.yaml)', source)
        self.assertEqual('default', data['name'])
        self.assertEqual(['compute-1', 'compute-2', 'compute-3'],
                         sorted(data['hosts']))
        self.assertEqual('2.4.0', data['hosts']['compute-3']['qemu_version'])
        self.assertIs(True, data['hosts']['compute-1']['libvirt'][
            'live_migration_permit_post_copy'])
        self.assertEqual('refused', data['instances']['refused']['expect'])
        self.assertEqual({'at': 40, 'dirty_rate_mbps': 3000},
                         data['instances']['auto-converge']['workload'][
                             'phases'][0])
        self.assertEqual({'live_migrate': 'must-post-copy'},
                         {k: v for k, v in data['steps'][0].items()
                          if k == 'live_migrate'})
        self.assertEqual({'host_up': 'compute-3'}, data['steps'][-1])
        # No host of the default scenario is a real libvirtd.
        self.assertFalse(any('libvirt_uri' in spec
                             for spec in data['hosts'].values()))

    def test_default_scenario_revalidates(self):
        source, data = schema.load()
        again = copy.deepcopy(data)
        self.assertEqual(data, schema.validate(again, source))

    def test_load_file(self):
        path = self._write(
            'name: mine\n'
            'hosts:\n'
            '  a: {}\n'
            '  b: {libvirt: {live_migration_downtime: 700}}\n'
            'flavors:\n'
            '  f: {vcpus: 1, memory_mb: 512}\n'
            'instances:\n'
            '  vm: {flavor: f, host: a}\n'
            'steps:\n'
            '  - live_migrate: vm\n'
            '    to: b\n')
        source, data = schema.load(path)
        self.assertEqual(path, source)
        self.assertEqual('mine', data['name'])
        self.assertEqual([{'live_migrate': 'vm', 'to': 'b'}], data['steps'])

    def test_load_file_with_error_names_the_file(self):
        path = self._write('hosts:\n  a: {}\nsteps:\n  - host_down: z\n',
                           name='broken.yaml')
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertTrue(str(exc).startswith(
            '%s: steps[0].host_down: unknown host ' % path), str(exc))

    def test_invalid_yaml(self):
        path = self._write('hosts:\n  a: {}\n  b: [unclosed\n')
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        message = str(exc)
        self.assertRegex(message, r'^%s: line \d+, column \d+: not valid '
                                  r'YAML: ' % path)

    def test_invalid_yaml_position(self):
        # A tab cannot start indentation; the scanner reports line 3.
        path = self._write('hosts:\n  a: {}\n\tb: {}\n')
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertIn('%s: line 3, column 1: not valid YAML' % path,
                      str(exc))

    def test_missing_file(self):
        path = os.path.join(self.tmp, 'absent.yaml')
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertEqual('%s: (file): No such file or directory' % path,
                         str(exc))

    def test_top_level_list_file(self):
        path = self._write('- hosts\n- steps\n')
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertEqual('%s: (top level): a scenario is a mapping of keys, '
                         'got list' % path, str(exc))

    def test_duplicate_key(self):
        path = self._write('hosts:\n  a: {memory_mb: 1024}\n  a: {}\n')
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertEqual(
            '%s: hosts.a: duplicate key at line 3, column 3 (first at line '
            '2, column 3): YAML would silently keep only the last value'
            % path, str(exc))

    def test_not_utf8(self):
        path = os.path.join(self.tmp, 'latin1.yaml')
        with open(path, 'wb') as handle:
            handle.write('hosts:\n  a: {}\nname: café\n'.encode('latin-1'))
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertEqual('%s: line 3: not UTF-8 text (byte 0xe9 at offset '
                         '24)' % path, str(exc))

    def test_alias_bomb(self):
        lines = ['a0: &a0 [%s]' % ', '.join(['x'] * 10)] + [
            'a%d: &a%d [%s]' % (i, i, ', '.join(['*a%d' % (i - 1)] * 10))
            for i in range(1, 25)]
        path = self._write('\n'.join(lines) + '\nhosts: {a: {}}\n')
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertIn('the document expands to more than 100000 values',
                      str(exc))

    def test_null_option_in_file(self):
        path = self._write('hosts:\n  a:\n    libvirt:\n'
                           '      live_migration_downtime:\n')
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertEqual('%s: hosts.a.libvirt.live_migration_downtime: null '
                         'is not a value; remove the key to use its default'
                         % path, str(exc))

    def test_nan_in_file(self):
        path = self._write('hosts: {a: {}, b: {}}\n'
                           'links: [{hosts: [a, b], bandwidth_mbps: .nan}]\n')
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertIn('links[0].bandwidth_mbps: nan is not a number',
                      str(exc))

    def test_directory_instead_of_file(self):
        exc = self.assertRaises(schema.ScenarioError, schema.load, self.tmp)
        self.assertEqual('%s: (file): Is a directory' % self.tmp, str(exc))

    def test_long_file_name_shortened(self):
        path = os.path.join(self.tmp, 'n' * 200)
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertIn('... (%d characters): (file): No such file'
                      % len(path), str(exc))

    def test_empty_file(self):
        path = self._write('')
        exc = self.assertRaises(schema.ScenarioError, schema.load, path)
        self.assertIn('(top level): a scenario is a mapping of keys, got '
                      'NoneType', str(exc))
