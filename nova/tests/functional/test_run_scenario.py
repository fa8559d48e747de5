"""``nova-live-migration run``: the default scenario end to end, and the
command line with good and broken scenario files.
"""

import copy
import io
import json
import os
import signal
import subprocess
import sys

import fixtures
import yaml

from nova import context
from nova import objects
from nova.scenario import interrupt
from nova.scenario import job
from nova.scenario import progress
from nova.scenario import schema
from nova import test
from nova.tests import fixtures as nova_fixtures

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


class DefaultScenarioTestCase(test.NoDBTestCase):
    """The shipped scenario on the virtual clock, with a clean audit."""

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.placement = self.useFixture(nova_fixtures.PlacementFixture())
        self.output = self.useFixture(fixtures.TempDir()).path
        _source, scenario = schema.load()
        self.stream = io.StringIO()
        self.report = job.execute(
            scenario, context.get_admin_context(), self.placement.client,
            progress.Display(self.stream, interactive=False), self.output)
        self.ops = {op['instance']: op for op in self.report['operations']}
        self.instances = {e['name']: e for e in self.report['instances']}

    def actions(self, name):
        return [a['action'] for a in self.ops[name]['actions']]

    def test_runs_clean(self):
        self.assertEqual([], self.report['audit']['problems'])
        self.assertTrue(self.report['audit']['clean'])
        self.assertEqual([], self.report['expectations'])
        self.assertEqual(0, job.exit_status(self.report))
        self.assertEqual('virtual', self.report['clock'])

    def test_every_feature_happened(self):
        # Post-copy on force-complete; abort refused once in post-copy.
        self.assertEqual('completed', self.ops['must-post-copy']['result'])
        self.assertIn('start-postcopy', self.actions('must-post-copy'))
        self.assertIn('abort-refused', self.actions('must-post-copy'))
        self.assertEqual('compute-2', self.ops['must-post-copy']['dest'])
        # The image opts out although the host permits post-copy.
        self.assertIn('pause', self.actions('must-not-post-copy'))
        self.assertNotIn('start-postcopy', self.actions('must-not-post-copy'))
        self.assertNotIn('VIR_MIGRATE_POSTCOPY',
                         self.ops['must-not-post-copy']['flags'])
        # Auto-converge throttles the guest.
        self.assertIn('VIR_MIGRATE_AUTO_CONVERGE',
                      self.ops['auto-converge']['flags'])
        self.assertGreater(max(s['throttle'] for s in
                               self.ops['auto-converge']['samples']), 0)
        # vPMEM moves to the one other host able to take it.
        self.assertEqual('compute-2', self.instances['pmem']['host'])
        # The SLA policy gives up on the hopeless panda (nothing its tier
        # allows can finish it).
        self.assertEqual('cancelled', self.ops['never-converges']['result'])
        self.assertIn('abort', self.actions('never-converges'))
        self.assertEqual('compute-1', self.instances['never-converges'][
            'host'])
        self.assertEqual('cancelled', self.ops['aborted']['result'])
        self.assertEqual('failed', self.ops['network-drop']['result'])
        self.assertEqual('compute-1', self.instances['network-drop']['host'])
        # The refused combination is an error, not a crash.
        self.assertEqual('refused', self.instances['refused']['result'])
        self.assertIn('cannot both be set', self.instances['refused'][
            'error'])
        # Evacuated off the host that went down.
        self.assertEqual('completed', self.ops['evacuee']['result'])
        self.assertNotEqual('compute-3', self.instances['evacuee']['host'])

    def test_outputs(self):
        with open(os.path.join(self.output, job.RESULTS_FILE)) as handle:
            written = json.load(handle)
        self.assertEqual(len(self.report['operations']),
                         len(written['operations']))
        moves = [op for op in self.report['operations']
                 if op['kind'] == 'live-migration']
        self.assertEqual(7, len(moves))
        for op in moves:
            with open(op['timeline'], 'rb') as handle:
                self.assertEqual(PNG_SIGNATURE, handle.read(8))
        text = self.stream.getvalue()
        self.assertIn('force-complete requested', text)
        self.assertIn('abort refused', text)
        self.assertIn('% remaining  pass 1', text)
        self.assertNotIn('\x1b[K', text)


class CommandLineTestCase(test.NoDBTestCase):
    """The console script in a child process, as an operator runs it."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def run_cli(self, scenario, *extra):
        path = os.path.join(self.tmp, 'scenario.yaml')
        with open(path, 'w') as handle:
            yaml.safe_dump(scenario, handle)
        proc = subprocess.run(
            [sys.executable, '-m', 'nova.cmd.live_migration', 'run',
             '--scenario', path, '--output', os.path.join(self.tmp, 'out')]
            + list(extra), capture_output=True, text=True, timeout=300)
        return path, proc

    SMALL = {
        'hosts': {'a': {}, 'b': {}},
        'flavors': {'f': {'vcpus': 1, 'memory_mb': 1024}},
        'instances': {'vm': {'flavor': 'f', 'host': 'a'}},
        'steps': [{'live_migrate': 'vm', 'to': 'b', 'expect': 'completed'}],
    }

    def test_broken_scenario_reports_file_key_reason(self):
        broken = dict(self.SMALL, steps=[{'live_migrate': 'vm', 'to': 'c'}])
        path, proc = self.run_cli(broken)
        self.assertEqual(2, proc.returncode, proc.stderr)
        self.assertEqual(
            "ERROR: scenario %s: steps[0].to: unknown host 'c'; the "
            "scenario defines: a, b\n" % path, proc.stderr)
        self.assertEqual('', proc.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'out')))

    def test_json_output(self):
        _path, proc = self.run_cli(self.SMALL, '--format', 'json')
        self.assertEqual(0, proc.returncode, proc.stderr)
        report = json.loads(proc.stdout)
        self.assertEqual(['completed'],
                         [op['result'] for op in report['operations']])
        self.assertTrue(report['audit']['clean'])
        self.assertIn('live-migration of vm a -> b: completed', proc.stderr)

    def test_unmet_expectation_exits_1(self):
        scenario = dict(self.SMALL, steps=[
            {'live_migrate': 'vm', 'to': 'b', 'expect': 'failed'}])
        _path, proc = self.run_cli(scenario)
        self.assertEqual(1, proc.returncode, proc.stderr)
        self.assertIn('NOT MET: step 0 (live-migration of vm): expected '
                      'failed, got completed', proc.stdout)


class MigrationTimeLimitTestCase(test.NoDBTestCase):
    """A monitor that can never end (the timers alone, both timeouts 0,
    a guest that never converges) still ends: at migration_time_limit the
    run aborts the migration through the normal abort path.  (The SLA
    policy would give up on its own, or finish it by post-copy.)
    """

    SCENARIO = {
        'migration_time_limit': 120,
        'hosts': {'a': {'libvirt': {
            'live_migration_monitor': 'timers',
            'live_migration_permit_post_copy': False,
            'live_migration_permit_auto_converge': False,
            'live_migration_completion_timeout': 0,
            'live_migration_progress_timeout': 0}}, 'b': {}},
        'links': [{'hosts': ['a', 'b'], 'bandwidth_mbps': 100}],
        'flavors': {'f': {'vcpus': 1, 'memory_mb': 1024}},
        'instances': {'vm': {'flavor': 'f', 'host': 'a', 'workload': {
            'wws_mb': 1024, 'dirty_rate_mbps': 5000}}},
        'steps': [{'live_migrate': 'vm', 'to': 'b', 'expect': 'cancelled'}],
    }

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.placement = self.useFixture(nova_fixtures.PlacementFixture())
        self.output = self.useFixture(fixtures.TempDir()).path
        self.logs = self.useFixture(fixtures.FakeLogger(
            name='nova.scenario.job'))

    def execute(self, scenario):
        scenario = schema.validate(copy.deepcopy(scenario))
        return job.execute(
            scenario, context.get_admin_context(), self.placement.client,
            progress.Display(io.StringIO(), interactive=False), self.output)

    def test_aborted_and_rolled_back_at_the_limit(self):
        report = self.execute(self.SCENARIO)
        op, = report['operations']
        self.assertEqual('cancelled', op['result'])
        self.assertEqual('a', op['where'])
        self.assertEqual('active', op['vm_state'])
        actions = [a['action'] for a in op['actions']]
        self.assertIn('time-limit', actions)
        self.assertEqual('abort-requested',
                         actions[actions.index('time-limit') + 1])
        limit = [a for a in op['actions'] if a['action'] == 'time-limit'][0]
        self.assertAlmostEqual(120, limit['time_s'], delta=0.5)
        self.assertLess(op['total_time_s'], 125)
        self.assertTrue(report['audit']['clean'], report['audit'])
        self.assertEqual(0, job.exit_status(report))
        self.assertIn('Host(s) a have both live_migration_completion_timeout '
                      'and live_migration_progress_timeout at 0: their '
                      'migrations end only at the scenario\'s '
                      'migration_time_limit (120 s)', self.logs.output)

    def test_default_limit(self):
        scenario = copy.deepcopy(self.SCENARIO)
        del scenario['migration_time_limit']
        op, = self.execute(scenario)['operations']
        self.assertEqual('cancelled', op['result'])
        limit = [a for a in op['actions'] if a['action'] == 'time-limit'][0]
        self.assertAlmostEqual(schema.DEFAULT_MIGRATION_TIME_LIMIT,
                               limit['time_s'], delta=0.5)

    def test_converging_migration_does_not_meet_the_limit(self):
        scenario = copy.deepcopy(self.SCENARIO)
        scenario['instances']['vm']['workload'] = {'wws_mb': 16,
                                                   'dirty_rate_mbps': 1}
        op, = self.execute(scenario)['operations']
        self.assertEqual('completed', op['result'])
        self.assertNotIn('time-limit', [a['action'] for a in op['actions']])


class InterruptedRunTestCase(test.NoDBTestCase):
    """SIGTERM in the middle of a live migration, in-process: the migration
    is aborted the normal way, the run stops before its next step, and
    Placement is given back.
    """

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.placement = self.useFixture(nova_fixtures.PlacementFixture())
        self.output = self.useFixture(fixtures.TempDir()).path
        interrupt.install()
        self.addCleanup(interrupt.uninstall)

    def test_migration_aborted_then_run_stops(self):
        scenario = copy.deepcopy(MigrationTimeLimitTestCase.SCENARIO)
        scenario['migration_time_limit'] = 86400
        scenario['steps'].append({'host_down': 'b'})
        display = progress.Display(io.StringIO(), interactive=False)
        sent = []

        def progress_then_signal(*args):
            if not sent:
                sent.append(True)
                os.kill(os.getpid(), signal.SIGTERM)
        display.progress = progress_then_signal
        ctxt = context.get_admin_context()
        exc = self.assertRaises(
            interrupt.Interrupted, job.execute,
            schema.validate(scenario), ctxt, self.placement.client,
            display, self.output)
        self.assertEqual(143, exc.exit_status)
        migration, = objects.Migration.get_by_instance(
            ctxt, objects.Instance.get_all(ctxt)[0].uuid)
        self.assertEqual('cancelled', migration.status)
        instance = objects.Instance.get_by_uuid(ctxt, migration.instance_uuid)
        self.assertEqual(('a', 'active', None), (
            instance.host, instance.vm_state, instance.task_state))
        self.assertIn('interrupted: aborting the migration',
                      display.stream.getvalue())
        # The host_down step never ran; nothing was written.
        self.assertNotIn('host b is down', display.stream.getvalue())
        self.assertEqual([], os.listdir(self.output))
        self.assertEqual([], self.placement.client.get_providers())
