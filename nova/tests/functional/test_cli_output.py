"""What ``nova-live-migration`` prints where, as a program: stdout carries
the output only (``--format json``: one JSON document), logs and errors go
to stderr, and SIGINT/SIGTERM stop ``run`` with one line.
"""

import json
import os
import signal
import socket

import ddt
import fixtures

from nova import test
from nova.tests.functional import cli_helpers


def _refusing_endpoint():
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return 'http://127.0.0.1:%d' % port


@ddt.ddt
class StdoutTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def assertOneJSON(self, stdout):
        # json.loads refuses anything after the document ("Extra data").
        return json.loads(stdout)

    def test_plan_debug_json(self):
        proc = cli_helpers.run('--debug', 'plan', '--format', 'json')
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertIn('required_traits', self.assertOneJSON(proc.stdout))
        self.assertIn('DEBUG', proc.stderr)

    @ddt.data((), ('--debug',))
    def test_run_json(self, debug):
        path = cli_helpers.write_scenario(self.tmp, cli_helpers.SMALL)
        proc = cli_helpers.run(*(debug + (
            'run', '--scenario', path, '--format', 'json', '--output',
            os.path.join(self.tmp, 'out'))))
        self.assertEqual(0, proc.returncode, proc.stderr)
        report = self.assertOneJSON(proc.stdout)
        self.assertEqual(['completed'], [op['result']
                                         for op in report['operations']])
        self.assertEqual(2, report['placement_cleanup']['providers'])
        if debug:
            self.assertIn('DEBUG', proc.stderr)

    @ddt.data((), ('--debug',))
    def test_run_failing_prints_one_error_line(self, debug):
        conf = cli_helpers.write_conf(self.tmp, _refusing_endpoint())
        path = cli_helpers.write_scenario(self.tmp, cli_helpers.SMALL)
        out = os.path.join(self.tmp, 'out')
        proc = cli_helpers.run(*(('--config-file', conf) + debug + (
            'run', '--scenario', path, '--format', 'json', '--output',
            out)))
        self.assertEqual((1, ''), (proc.returncode, proc.stdout))
        lines = proc.stderr.splitlines()
        self.assertRegex(lines[-1], r'^ERROR: Placement at http://127.0.0.1:'
                                    r'\d+ is unavailable \(GET /resource_'
                                    r'providers\): cannot connect: '
                                    r'\[Errno 111\] Connection refused\.')
        self.assertNotIn('Traceback', proc.stderr)
        if not debug:
            self.assertEqual(1, len(lines), proc.stderr)
        # Nothing was written, and the directory the run made is gone.
        self.assertFalse(os.path.exists(out))

    @ddt.data((), ('--debug', ), ('--format', 'json'),
              ('--debug', '--format', 'json'))
    def test_plan_failing(self, options):
        conf = cli_helpers.write_conf(self.tmp, _refusing_endpoint())
        debug = tuple(o for o in options if o == '--debug')
        proc = cli_helpers.run(*(('--config-file', conf) + debug + (
            'plan',) + tuple(o for o in options if o != '--debug')))
        self.assertEqual((1, ''), (proc.returncode, proc.stdout))
        lines = proc.stderr.splitlines()
        self.assertTrue(lines[-1].startswith('ERROR: Placement at '),
                        proc.stderr)
        self.assertIn('Connection refused', lines[-1])
        if not debug:
            self.assertEqual(1, len(lines), proc.stderr)


@ddt.ddt
class SignalTestCase(test.NoDBTestCase):
    """A run interrupted in the middle of a live migration."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    @ddt.data((signal.SIGINT, 130), (signal.SIGTERM, 143))
    @ddt.unpack
    def test_stops_with_one_line_and_no_results(self, signum, status):
        path = cli_helpers.write_scenario(self.tmp, cli_helpers.ENDLESS)
        out = os.path.join(self.tmp, 'out')
        running = cli_helpers.Running('run', '--scenario', path, '--format',
                                      'json', '--output', out)
        self.addCleanup(running.kill)
        self.assertTrue(running.wait_for('% remaining'),
                        ''.join(running.stderr))
        running.proc.send_signal(signum)
        code, stdout, stderr = running.finish()
        self.assertEqual((status, ''), (code, stdout), stderr)
        errors = [line for line in stderr.splitlines()
                  if line.startswith('ERROR')]
        self.assertEqual(['ERROR: interrupted by %s: the run stopped; no '
                          'results were written' % signal.Signals(signum)
                          .name], errors)
        self.assertNotIn('Traceback', stderr)
        self.assertFalse(os.path.exists(out))

    def test_existing_output_keeps_the_previous_results(self):
        out = os.path.join(self.tmp, 'out')
        os.mkdir(out)
        previous = cli_helpers.write(out, 'results.json', '{"old": 1}\n')
        path = cli_helpers.write_scenario(self.tmp, cli_helpers.ENDLESS)
        running = cli_helpers.Running('run', '--scenario', path, '--format',
                                      'json', '--output', out)
        self.addCleanup(running.kill)
        self.assertTrue(running.wait_for('% remaining'))
        running.proc.send_signal(signal.SIGTERM)
        code, _stdout, stderr = running.finish()
        self.assertEqual(143, code, stderr)
        self.assertEqual(['results.json'], os.listdir(out))
        with open(previous) as handle:
            self.assertEqual({'old': 1}, json.load(handle))
