"""Scenario keys for concurrent moves and varying links (schema checks)."""

import ddt

from nova.scenario import cloud
from nova.scenario import schema
from nova.sim import links
from nova import test
from nova.tests.unit.scenario import test_schema

SOURCE = test_schema.SOURCE


def _scenario(real=False):
    data = test_schema._scenario(real)
    data['instances']['vm2'] = dict(data['instances']['vm1'])
    return data


@ddt.ddt
class ConcurrencyKeysTestCase(test.NoDBTestCase):

    def assertError(self, data, key, reason):
        exc = self.assertRaises(schema.ScenarioError, schema.validate,
                                data, SOURCE)
        message = str(exc)
        self.assertTrue(message.startswith('%s: %s: ' % (SOURCE, key)),
                        message)
        self.assertIn(reason, message)

    def test_valid(self):
        data = _scenario()
        data['seed'] = 42
        data['hosts']['h1'].update(max_concurrent_live_migrations=2,
                                   nic_mbps=1000)
        data['links'][0].update(
            rtt_ms=1, jitter=0.1, jitter_period_s=2,
            dips={'every_s': 60, 'seconds': 5, 'depth': 0.5},
            flaky={'every_s': 120, 'seconds': 3, 'max_s': 20},
            competing={'mbps': 100, 'on_s': 10, 'off_s': 30},
            setup_time_s=1.5, setup_jitter=0.2)
        data['steps'].insert(0, {'group': [
            {'live_migrate': 'vm1', 'to': 'h2'},
            {'live_migrate': 'vm2', 'to': 'h2', 'expect': 'completed'}],
            'at': 3, 'note': 'both at once'})
        self.assertIs(data, schema.validate(data, SOURCE))

    @ddt.data(
        (['seed'], -1, 'seed', 'less than the minimum'),
        (['seed'], 2 ** 40, 'seed', 'greater than the maximum'),
        (['hosts', 'h1', 'max_concurrent_live_migrations'], -1,
         'hosts.h1.max_concurrent_live_migrations', 'minimum'),
        (['hosts', 'h1', 'max_concurrent_live_migrations'], 1.5,
         'hosts.h1.max_concurrent_live_migrations', 'integer'),
        (['hosts', 'h1', 'nic_mbps'], 0, 'hosts.h1.nic_mbps', 'minimum'),
        (['hosts', 'h1', 'nic_mbps'], 1e12, 'hosts.h1.nic_mbps', 'maximum'),
        (['links', 0, 'jitter'], 0.95, 'links[0].jitter', 'maximum'),
        (['links', 0, 'dips'], {'every_s': 60, 'seconds': 5},
         'links[0].dips', "'depth' is a required property"),
        (['links', 0, 'dips'], {'every_s': 0, 'seconds': 5, 'depth': 1},
         'links[0].dips.every_s', 'minimum'),
        (['links', 0, 'flaky'], {'every_s': 60, 'seconds': 1e9},
         'links[0].flaky.seconds', 'maximum'),
        (['links', 0, 'competing'], {'mbps': 10, 'often': 1},
         'links[0].competing.often', 'unknown key'),
        (['links', 0, 'setup_jitter'], 2, 'links[0].setup_jitter',
         'maximum'),
    )
    @ddt.unpack
    def test_bounds(self, path, value, key, reason):
        data = _scenario()
        test_schema._set(data, path, value)
        self.assertError(data, key, reason)

    def test_group_members_are_moves(self):
        data = _scenario()
        data['steps'] = [{'group': [{'live_migrate': 'vm1'}, {'wait': 3}]}]
        self.assertError(data, 'steps[0].group[1]',
                         'a group holds live_migrate steps only, not wait')

    def test_group_member_checked_like_a_step(self):
        data = _scenario()
        data['steps'] = [{'group': [{'live_migrate': 'vm1'},
                                    {'live_migrate': 'vm9'}]}]
        self.assertError(data, 'steps[0].group[1].live_migrate',
                         "unknown instance 'vm9'")
        data['steps'] = [{'group': [{'live_migrate': 'vm1', 'to': 'h2',
                                     'colour': 1}]}]
        self.assertError(data, 'steps[0].group[0].colour', 'unknown key')
        data['steps'] = [{'group': [{'to': 'h2'}]}]
        self.assertError(data, 'steps[0].group[0]', 'exactly one of')

    def test_group_members_start_together(self):
        data = _scenario()
        data['steps'] = [{'group': [{'live_migrate': 'vm1', 'at': 3}]}]
        self.assertError(data, 'steps[0].group[0].at', 'give the group')

    def test_instance_once_per_group(self):
        data = _scenario()
        data['steps'] = [{'group': [{'live_migrate': 'vm1'},
                                    {'live_migrate': 'vm1'}]}]
        self.assertError(data, 'steps[0].group',
                         'instance vm1 appears twice')

    def test_empty_group(self):
        data = _scenario()
        data['steps'] = [{'group': []}]
        self.assertError(data, 'steps[0].group', 'should be non-empty')

    def test_real_hosts_refuse_simulated_keys(self):
        data = _scenario(real=True)
        data['hosts']['h1']['nic_mbps'] = 100
        self.assertError(data, 'hosts.h1.nic_mbps', 'simulated libvirt')
        data = _scenario(real=True)
        data['links'][0]['jitter'] = 0.1
        self.assertError(data, 'links[0].jitter',
                         'a varying link needs the simulated libvirt')
        data = _scenario(real=True)
        data['hosts']['h1']['max_concurrent_live_migrations'] = 2
        self.assertIs(data, schema.validate(data, SOURCE))


class LinkProfileTestCase(test.NoDBTestCase):

    def test_from_scenario_keys(self):
        profile = cloud.link_profile({
            'hosts': ['a', 'b'], 'bandwidth_mbps': 100, 'rtt_ms': 2,
            'jitter': 0.2, 'dips': {'every_s': 9, 'seconds': 1,
                                    'depth': 0.5},
            'competing': {'mbps': 10}, 'setup_time_s': 1}, seed=3, index=1)
        self.assertEqual(100, profile.bandwidth)
        self.assertEqual(2, profile.rtt_ms)
        self.assertEqual(links.Dips(9, 1, 0.5), profile.dips)
        self.assertEqual(10, profile.competing_demand(0))
        self.assertEqual(1, profile.draw_setup_time(0))
        self.assertEqual('3/link1', profile.seed)

    def test_plain_link(self):
        profile = cloud.link_profile({'hosts': ['a', 'b'],
                                      'bandwidth_mbps': 100})
        self.assertEqual(100, profile.capacity(12.5))
        self.assertEqual(links.DEFAULT_RTT_MS, profile.rtt_ms)
