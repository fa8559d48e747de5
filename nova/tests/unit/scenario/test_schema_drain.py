"""Scenario keys of purpose-driven moves: ``purpose`` and ``drain_host``."""

import ddt

from nova.scenario import schema
from nova import test
from nova.tests.unit.scenario import test_schema

SOURCE = test_schema.SOURCE


@ddt.ddt
class PurposeAndDrainKeysTestCase(test.NoDBTestCase):

    def assertError(self, data, key, *reasons):
        exc = self.assertRaises(schema.ScenarioError, schema.validate,
                                data, SOURCE)
        message = str(exc)
        self.assertTrue(message.startswith('%s: %s: ' % (SOURCE, key)),
                        message)
        self.assertNotIn('\n', message)
        for reason in reasons:
            self.assertIn(reason, message)

    @ddt.data('evacuate-host', 'maintenance', 'rebalance')
    def test_purposes(self, purpose):
        data = test_schema._scenario()
        data['steps'][0]['purpose'] = purpose
        data['steps'].append({'group': [{'live_migrate': 'vm1',
                                         'purpose': purpose}]})
        self.assertIs(data, schema.validate(data, SOURCE))

    @ddt.data(('drain', "'drain'"), ('', "''"), (3, '=3'), (True, '=True'),
              (['rebalance'], "['rebalance']"), ('x' * 5000, 'characters)'),
              ({'a': 1}, "{'a': 1}"))
    @ddt.unpack
    def test_bad_purpose(self, value, shown):
        data = test_schema._scenario()
        data['steps'][0]['purpose'] = value
        self.assertError(data, 'steps[0].purpose', shown,
                         'the purpose is one of evacuate-host, maintenance, '
                         'rebalance (leave it out for maintenance)')

    def test_bad_purpose_in_a_group(self):
        data = test_schema._scenario()
        data['steps'].append({'group': [{'live_migrate': 'vm1',
                                         'purpose': 'soon'}]})
        self.assertError(data, 'steps[2].group[0].purpose', "'soon'")

    def test_purpose_only_on_live_migrations(self):
        data = test_schema._scenario()
        data['steps'].append({'evacuate': 'vm1', 'purpose': 'rebalance'})
        self.assertError(data, 'steps[2].purpose', 'unknown key')

    def test_drain_host(self):
        data = test_schema._scenario()
        data['steps'].append({'drain_host': 'h1', 'at': 10,
                              'expect': 'drained', 'note': 'maintenance'})
        self.assertIs(data, schema.validate(data, SOURCE))

    def test_drain_host_on_real_hosts(self):
        data = test_schema._scenario(real=True)
        data['steps'].append({'drain_host': 'h2', 'expect': 'partial'})
        self.assertIs(data, schema.validate(data, SOURCE))

    @ddt.data(({'drain_host': 'h9'}, 'steps[2].drain_host',
               "unknown host 'h9'"),
              ({'drain_host': 'h1', 'expect': 'completed'},
               'steps[2].expect', "'completed' is not one of"),
              ({'drain_host': 'h1', 'to': 'h2'}, 'steps[2].to',
               'unknown key'),
              ({'drain_host': 'h1', 'purpose': 'rebalance'},
               'steps[2].purpose', 'unknown key'),
              ({'drain_host': ''}, 'steps[2].drain_host', 'does not match'))
    @ddt.unpack
    def test_bad_drain_step(self, step, key, reason):
        data = test_schema._scenario()
        data['steps'].append(step)
        self.assertError(data, key, reason)

    def test_no_drain_in_a_group(self):
        data = test_schema._scenario()
        data['steps'].append({'group': [{'drain_host': 'h1'}]})
        self.assertError(data, 'steps[2].group[0]', 'live_migrate steps only')
