"""Several live migrations at once: the per-host limit, shared links, and
the same numbers every run (scenario ``group`` steps on the virtual clock).
"""

import io

import ddt
import fixtures

from nova import context
from nova.scenario import job
from nova.scenario import progress
from nova.scenario import schema
from nova import test
from nova.tests import fixtures as nova_fixtures


def drain(limit=None, link=None, seed=0, names=('vm0', 'vm1', 'vm2')):
    host = {} if limit is None else {'max_concurrent_live_migrations': limit}
    scenario = {
        'seed': seed,
        'hosts': {'a': host, 'b': {}},
        'links': [dict({'hosts': ['a', 'b'], 'bandwidth_mbps': 1000},
                       **(link or {}))],
        'flavors': {'f': {'vcpus': 2, 'memory_mb': 2048}},
        'instances': {name: {'flavor': 'f', 'host': 'a',
                             'workload': {'wws_mb': 64,
                                          'dirty_rate_mbps': 5}}
                      for name in names},
        'steps': [{'group': [{'live_migrate': name, 'to': 'b',
                              'expect': 'completed'} for name in names]},
                  {'wait': 1}],
    }
    return schema.validate(scenario)


@ddt.ddt
class ConcurrentMigrationsTestCase(test.NoDBTestCase):

    def run_scenario(self, scenario):
        self.useFixture(nova_fixtures.Database())
        placement = self.useFixture(nova_fixtures.PlacementFixture())
        output = self.useFixture(fixtures.TempDir()).path
        report = job.execute(
            scenario, context.get_admin_context(), placement.client,
            progress.Display(io.StringIO(), interactive=False), output)
        self.assertTrue(report['audit']['clean'], report['audit'])
        self.assertEqual([], report['expectations'])
        return report

    def times(self, report):
        return [op['total_time_s'] for op in report['operations']]

    @ddt.data(
        # Default 1: one after the other, each with the whole link.
        (None, [2.1, 2.1, 2.1]),
        # Two at once share the link; the third comes alone.
        (2, [4.1, 4.1, 2.1]),
        # No limit: all three share it the whole time.
        (0, [6.1, 6.1, 6.1]),
    )
    @ddt.unpack
    def test_per_host_limit(self, limit, expected):
        report = self.run_scenario(drain(limit))
        for want, got in zip(expected, self.times(report)):
            self.assertAlmostEqual(want, got, delta=0.25)
        self.assertEqual(['b'] * 3, [e['host'] for e in report['instances']])

    def test_same_numbers_every_run(self):
        link = {'jitter': 0.3, 'dips': {'every_s': 2, 'seconds': 1,
                                        'depth': 0.5},
                'competing': {'mbps': 300, 'on_s': 1, 'off_s': 1},
                'setup_time_s': 0.5, 'setup_jitter': 0.5}

        def numbers(seed):
            report = self.run_scenario(drain(2, link, seed))
            return [(op['total_time_s'], op['bytes_moved'],
                     op['downtime_ms']) for op in report['operations']]
        first = numbers(7)
        self.assertEqual(first, numbers(7))
        self.assertNotEqual(first, numbers(8))
