"""``nova-live-migration bench`` as an operator runs it (a small subset)."""

import json
import os
import subprocess
import sys

import fixtures

from nova.bench import metrics
from nova import test


class BenchCommandTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def bench(self, *extra, output='out'):
        return subprocess.run(
            [sys.executable, '-m', 'nova.cmd.live_migration', 'bench',
             '--quick', '--output', os.path.join(self.tmp, output)]
            + list(extra), capture_output=True, text=True, timeout=300)

    def test_json_is_one_document_and_the_same_every_run(self):
        args = ('--class', 'A', '--class', 'F', '--policy', 'project',
                '--policy', 'nova-tuned', '--format', 'json', '--jobs', '2')
        first = self.bench(*args)
        self.assertEqual(0, first.returncode, first.stderr)
        doc = json.loads(first.stdout)
        self.assertEqual(['oracle', 'project', 'nova-tuned'],
                         doc['benchmark']['policies'])
        self.assertEqual(6, len(doc['summary']))
        for row in doc['summary']:
            self.assertEqual(sorted(metrics.SUMMARY_KEYS), sorted(row))
        out = os.path.join(self.tmp, 'out')
        for name in ('report.json', 'report.md', 'success.png',
                     'time-ratio.png', 'timing.json'):
            self.assertTrue(os.path.exists(os.path.join(out, name)), name)
        with open(os.path.join(out, 'report.json')) as handle:
            self.assertEqual(doc, json.load(handle))
        self.assertIn('simulated s per real s', first.stderr)
        self.assertIn('[' + '#' * 30 + ']', first.stderr)
        second = self.bench(*args, output='again')
        self.assertEqual(first.stdout, second.stdout)

    def test_text(self):
        proc = self.bench('--class', 'A', '--policy', 'project')
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertIn('completed/cases', proc.stdout)
        self.assertIn('oracle', proc.stdout)

    def test_refusals(self):
        proc = self.bench('--policy', 'nova-default')
        self.assertEqual(2, proc.returncode)
        self.assertIn("unknown policy 'nova-default'", proc.stderr)
        self.assertEqual('', proc.stdout)
        proc = self.bench('--jobs', '-1')
        self.assertEqual(2, proc.returncode)
        self.assertIn('--jobs', proc.stderr)
        proc = self.bench('--class', 'Z')
        self.assertEqual(2, proc.returncode)
        self.assertIn('invalid choice', proc.stderr)
