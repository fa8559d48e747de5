"""Real processes: the openstack command, and nova-live-migration serve.

A few smoke tests only (each openstack process takes about a second to
start); the in-process tests cover the commands one by one.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import fixtures
import openstack as openstack_sdk
import yaml

from nova.cmd import live_migration
from nova import test
from nova.tests.functional.api import base
from nova.tests.functional.api import fixtures as api_fixtures

#: Real seconds a process may take to answer before the test fails.
TIMEOUT = 60


def executable(name):
    found = shutil.which(name) or os.path.join(os.path.dirname(
        sys.executable), name)
    return found


def openstack(clouds_yaml, *argv):
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update(OS_CLIENT_CONFIG_FILE=clouds_yaml,
               OS_CLOUD=api_fixtures.ADMIN)
    return subprocess.run([executable('openstack')] + list(argv),
                          env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=TIMEOUT)


class OpenStackProcessTest(base.ApiTestCase):

    def test_openstack_process(self):
        versions = openstack(self.api.clouds_yaml, 'versions', 'show', '-f',
                             'json')
        self.assertEqual(0, versions.returncode, versions.stderr)
        compute = [v for v in json.loads(versions.stdout)
                   if v['Service Type'] == 'compute']
        self.assertEqual('2.80', compute[0]['Max Microversion'])
        self.make_flavor('f1')
        flavors = openstack(self.api.clouds_yaml, 'flavor', 'list', '-f',
                            'value', '-c', 'Name')
        self.assertEqual((0, 'f1\n'), (flavors.returncode, flavors.stdout))


SCENARIO = textwrap.dedent('''\
    name: serve-smoke
    hosts:
      one: {}
      two: {}
    flavors:
      small: {vcpus: 1, memory_mb: 1024, disk_gb: 1}
    images:
      plain: {}
    instances:
      vm: {flavor: small, image: plain, host: one}
    ''')


class ServeTest(test.NoDBTestCase):

    def _serve(self, tmp, *extra):
        path = os.path.join(tmp, 'scenario.yaml')
        with open(path, 'w') as stream:
            stream.write(SCENARIO)
        clouds = os.path.join(tmp, 'clouds.yaml')
        proc = subprocess.Popen(
            [executable('nova-live-migration'), 'serve', '--scenario', path,
             '--clouds-yaml', clouds] + list(extra),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.addCleanup(self._reap, proc)
        line = proc.stdout.readline()
        return proc, line, clouds

    @staticmethod
    def _reap(proc):
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=TIMEOUT)

    def test_serve_migrate_and_stop(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        proc, line, clouds = self._serve(tmp, '--speed', '20')
        self.assertTrue(line.startswith('ready http://127.0.0.1:'), line)
        with open(clouds) as stream:
            entry = yaml.safe_load(stream)['clouds']['nova-live-migration']
        self.assertEqual(line.split()[1] + '/identity',
                         entry['auth']['auth_url'])
        self.assertEqual(0o600, os.stat(clouds).st_mode & 0o777)
        moved = openstack(clouds, 'server', 'migrate', '--live-migration',
                          'vm')
        self.assertEqual(0, moved.returncode, moved.stderr)
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', clouds))
        conn = openstack_sdk.connect(cloud=api_fixtures.ADMIN)
        self.addCleanup(conn.close)
        deadline = time.monotonic() + TIMEOUT
        while True:
            server = conn.compute.find_server('vm')
            if server.compute_host == 'two' and not server.task_state:
                break
            self.assertLess(time.monotonic(), deadline, server)
            time.sleep(0.1)
        listed = openstack(clouds, 'server', 'migration', 'list', '-f',
                           'json')
        self.assertEqual(['completed'],
                         [m['Status'] for m in json.loads(listed.stdout)])
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=TIMEOUT)
        self.assertEqual(0, proc.returncode, err)
        self.assertEqual('', out)

    def test_sigint_and_bad_arguments(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        proc, line, _clouds = self._serve(tmp)
        self.assertTrue(line.startswith('ready '), line)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=TIMEOUT)
        self.assertEqual(0, proc.returncode)
        for argv, needle in ((['--speed', 'nan'], 'clock factor'),
                             (['--speed', '0'], 'clock factor'),
                             (['--speed', 'inf'], 'clock factor'),
                             (['--port', '70000'], 'port')):
            out = self.useFixture(fixtures.StringStream('stdout'))
            err = self.useFixture(fixtures.StringStream('stderr'))
            self.useFixture(fixtures.MonkeyPatch('sys.stdout', out.stream))
            self.useFixture(fixtures.MonkeyPatch('sys.stderr', err.stream))
            with self.assertRaises(SystemExit) as ctx:
                live_migration.build_parser().parse_args(['serve'] + argv)
            self.assertEqual(2, ctx.exception.code)
            self.assertIn(needle, err.getDetails()['stderr'].as_text())
            self.assertEqual('', out.getDetails()['stdout'].as_text())
