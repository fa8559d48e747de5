"""The command's pieces: execution, progress bar, report files."""

import io
import json
import os

import fixtures

from nova.bench import command
from nova.bench import matrix
from nova.bench import metrics
from nova.bench import policies
from nova.bench import report
from nova import test

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


class CommandTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.cases = matrix.build(quick=True, classes=('A', 'F'))
        self.names = ['project', 'nova-tuned']

    def doc(self, runs):
        summary, details, records = metrics.tables(
            self.cases, runs, ['oracle'] + self.names)
        return report.document(
            'quick', self.cases, [policies.get(n) for n in self.names],
            summary, details, records, metrics.findings(summary))

    def test_processes_do_not_change_the_numbers(self):
        one = command.execute(self.cases, self.names, jobs=1)
        two = command.execute(self.cases, self.names, jobs=2)
        self.assertEqual(len(self.cases) * 3, len(one))
        strip = {k: v['results'] for k, v in one.items()}
        self.assertEqual(strip, {k: v['results'] for k, v in two.items()})

    def test_report_files(self):
        doc = self.doc(command.execute(self.cases, self.names, jobs=1))
        out = self.useFixture(fixtures.TempDir()).path
        with open(report.write_json(doc, out)) as handle:
            self.assertEqual(json.loads(json.dumps(doc)), json.load(handle))
        with open(report.write_markdown(doc, out)) as handle:
            text = handle.read()
        self.assertIn('| oracle | 2/2 | 2/2 |', text)
        self.assertIn('### Class F', text)
        self.assertIn('`nova-tuned`', text)
        for path in report.write_charts(doc, out):
            with open(path, 'rb') as handle:
                self.assertEqual(PNG_SIGNATURE, handle.read(8))
        self.assertEqual(sorted(report.CHARTS),
                         sorted(f for f in os.listdir(out)
                                if f.endswith('.png')))
        self.assertEqual(['oracle', 'project', 'nova-tuned'],
                         doc['benchmark']['policies'])
        self.assertEqual(6, len(doc['summary']))
        lines = report.text(doc).splitlines()
        self.assertIn('completed/cases', lines[0])
        self.assertTrue(lines[3].startswith('oracle'))
        # The project's targets, checked, and the tiers judged against.
        self.assertIn('Targets (the project\'s policy)', lines)
        self.assertEqual({'success', 'time', 'limits', 'lost'},
                         {t['target'] for t in doc['targets']})
        self.assertIn('## Targets', text)
        self.assertIn('## SLA tiers', text)
        self.assertEqual({'cattle', 'pet', 'panda'},
                         set(doc['benchmark']['tiers']))
        guest = doc['cases'][0]['guests'][0]
        self.assertEqual(guest['tier'], guest['limits']['tier'])
        self.assertEqual('maintenance', doc['cases'][0]['purpose'])
        self.assertEqual([True, False], [p['knows_sla']
                                         for p in doc['policies']])

    def test_success_cell(self):
        row = {'completed': 3, 'cases': 6, 'lost': 1, 'over_limit': 2}
        self.assertEqual('3/6 L1 O2', report.success_cell(row))
        row.update(lost=0, over_limit=0)
        self.assertEqual('3/6', report.success_cell(row))


class ProgressBarTestCase(test.NoDBTestCase):

    def test_lines_off_a_terminal(self):
        stream = io.StringIO()
        bar = command.ProgressBar(20, stream, interactive=False)
        for _ in range(20):
            bar.advance('x')
        lines = stream.getvalue().splitlines()
        # At the first run, then at every tenth.
        self.assertEqual(11, len(lines))
        self.assertTrue(lines[-1].startswith('[' + '#' * 30 + ']'))
        self.assertIn('20/20', lines[-1])

    def test_redrawn_on_a_terminal(self):
        stream = io.StringIO()
        bar = command.ProgressBar(3, stream, interactive=True)
        for _ in range(3):
            bar.advance('oracle A-2G-10GbE')
        out = stream.getvalue()
        self.assertEqual(3, out.count('\r\x1b[K'))
        self.assertTrue(out.endswith('oracle A-2G-10GbE\n'))
