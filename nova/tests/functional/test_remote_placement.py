"""Commands against a Placement over HTTP: one that never answers, one that
refuses connections, and a real one that a run must leave as it found it.
"""

import copy
import json
import os
import signal

import fixtures

from nova import exception
from nova.scheduler.client import placement
from nova import test
from nova.tests.functional import cli_helpers
from nova.tests import fixtures as nova_fixtures


class SilentPlacementTestCase(test.NoDBTestCase):
    """An endpoint that accepts the connection and never answers."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.silent = self.useFixture(nova_fixtures.SilentSocket())

    def test_every_call_has_the_timeout(self):
        self.flags(group='placement', endpoint_override=self.silent.endpoint,
                   timeout=0.5)
        with placement.report_client(test.CONF) as client:
            exc = self.assertRaises(exception.PlacementUnavailable,
                                    client.get_providers)
        self.assertIn('(GET /resource_providers): no answer within 0.5 s '
                      '([placement] timeout)', str(exc))

    def test_default_timeout_is_bounded(self):
        self.assertEqual(30, test.CONF.placement.timeout)

    def test_plan_ends_with_one_line(self):
        conf = cli_helpers.write_conf(self.tmp, self.silent.endpoint,
                                      timeout=0.5)
        proc = cli_helpers.run('--config-file', conf, 'plan', timeout=60)
        self.assertEqual((1, ''), (proc.returncode, proc.stdout))
        self.assertEqual(
            'ERROR: Placement at %s is unavailable (GET /allocation_'
            'candidates): no answer within 0.5 s ([placement] timeout). '
            'Check that the service runs and answers, and the [placement] '
            'options.\n' % self.silent.endpoint, proc.stderr)

    def test_run_ends_with_one_line(self):
        conf = cli_helpers.write_conf(self.tmp, self.silent.endpoint,
                                      timeout=0.5)
        path = cli_helpers.write_scenario(self.tmp, cli_helpers.SMALL)
        out = os.path.join(self.tmp, 'out')
        proc = cli_helpers.run('--config-file', conf, 'run', '--scenario',
                               path, '--output', out, timeout=60)
        self.assertEqual((1, ''), (proc.returncode, proc.stdout))
        self.assertEqual(1, len(proc.stderr.splitlines()), proc.stderr)
        self.assertIn('no answer within 0.5 s', proc.stderr)
        self.assertFalse(os.path.exists(out))


class RunAgainstRemotePlacementTestCase(test.NoDBTestCase):
    """``run`` with ``[placement] endpoint_override`` on a real Placement
    served over HTTP on loopback.
    """

    #: Exercises a custom resource class (vPMEM) and the moves' consumers.
    SCENARIO = copy.deepcopy(cli_helpers.SMALL)
    SCENARIO['hosts'] = {
        name: {'pmem_namespaces': {'SMALL': [{'name': 'ns0', 'size_gb': 4}]}}
        for name in ('a', 'b', 'c')}
    SCENARIO['flavors']['p'] = {'vcpus': 1, 'memory_mb': 1024,
                                'extra_specs': {'hw:pmem': 'SMALL'}}
    SCENARIO['instances']['pmem'] = {'flavor': 'p', 'host': 'a'}
    SCENARIO['steps'].append({'live_migrate': 'pmem', 'to': 'c',
                              'expect': 'completed'})

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.placement = self.useFixture(nova_fixtures.PlacementOverHTTP())
        self.client = self.placement.client
        self.conf = cli_helpers.write_conf(self.tmp,
                                           self.placement.endpoint)

    def state(self):
        """Everything a run could leave in Placement."""
        return {
            'providers': sorted(p['name']
                                for p in self.client.get_providers()),
            'resource_classes': self.client.get_custom_resource_classes(),
            'traits': self.client.get_custom_traits()}

    def run_scenario(self, scenario, name='out'):
        path = cli_helpers.write_scenario(self.tmp, scenario)
        return cli_helpers.run('--config-file', self.conf, 'run',
                               '--scenario', path, '--format', 'json',
                               '--output', os.path.join(self.tmp, name))

    def test_two_runs_leave_it_as_found(self):
        before = self.state()
        for name in ('first', 'second'):
            proc = self.run_scenario(self.SCENARIO, name)
            self.assertEqual(0, proc.returncode, proc.stderr)
            self.assertEqual(before, self.state())
        cleanup = json.loads(proc.stdout)['placement_cleanup']
        # Three hosts; an instance and a migration held allocations at the
        # end (the completed moves' consumers are gone); the vPMEM class
        # and the hosts' vPMEM and post-copy-resume traits were the run's
        # own.
        self.assertEqual({'providers': 3, 'consumers': 2,
                          'resource_classes': 1, 'traits': 2,
                          'problems': []}, cleanup)

    def test_placement_with_providers_refused_before_anything(self):
        self.client.ensure_resource_provider(
            '00000000-0000-0000-0000-00000000000a', 'stranger')
        before = self.state()
        proc = self.run_scenario(self.SCENARIO)
        self.assertEqual((2, ''), (proc.returncode, proc.stdout))
        self.assertEqual(
            'ERROR: Placement at %s already holds 1 resource provider(s) '
            '(stranger): a run only uses a Placement that holds no resource '
            'provider, and removes what it created when it ends. Delete them '
            '(openstack resource provider delete UUID) or point [placement] '
            'endpoint_override at an empty Placement.\n'
            % self.placement.endpoint, proc.stderr)
        self.assertEqual(before, self.state())
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'out')))

    def test_interrupted_run_leaves_it_as_found(self):
        before = self.state()
        path = cli_helpers.write_scenario(self.tmp, cli_helpers.ENDLESS)
        running = cli_helpers.Running(
            '--config-file', self.conf, 'run', '--scenario', path,
            '--format', 'json', '--output', os.path.join(self.tmp, 'out'))
        self.addCleanup(running.kill)
        self.assertTrue(running.wait_for('% remaining'),
                        ''.join(running.stderr))
        # In the middle of the migration: the instance and the migration
        # both hold allocations.
        self.assertEqual(['a', 'b'], self.state()['providers'])
        running.proc.send_signal(signal.SIGINT)
        code, _stdout, stderr = running.finish()
        self.assertEqual(130, code, stderr)
        self.assertEqual(before, self.state())
