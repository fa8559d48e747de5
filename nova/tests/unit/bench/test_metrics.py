"""Per case and per class numbers, and the JSON summary's shape."""

from oslotest import base

from nova.bench import matrix
from nova.bench import metrics
from nova.bench import simenv


def result(guest, outcome='completed', time_s=10.0, end=None, stop=100,
           violations=()):
    return {'guest': guest.name, 'outcome': outcome, 'total_time_s': time_s,
            'end_s': end if end is not None else time_s,
            'downtime_ms': stop, 'stop_ms': stop, 'bytes_moved': 2 ** 30,
            'throttled_vcpu_s': 0.0, 'blocktime_s': 0.0,
            'postcopy_requests': 0, 'switch': '', 'mode': 'completed',
            'max_throttle': 0, 'violations': list(violations)}


class MetricsTestCase(base.BaseTestCase):

    def setUp(self):
        super(MetricsTestCase, self).setUp()
        self.cases = matrix.build(quick=True, classes=('A', 'C'))

    def runs(self, outcomes):
        runs = {}
        for case in self.cases:
            guest = case.guests[0]
            runs[(case.name, 'oracle')] = {'results': [
                result(guest, time_s=5.0)]}
            runs[(case.name, 'p')] = {'results': [
                result(guest, outcomes[case.name], time_s=20.0)]}
        return runs

    def test_summary_rows(self):
        outcomes = {'A-2G-10GbE': 'completed', 'A-8G-1GbE': 'lost',
                    'C-2G-10GbE': 'aborted', 'C-8G-1GbE': 'over_limit'}
        summary, details, records = metrics.tables(
            self.cases, self.runs(outcomes), ['oracle', 'p'])
        self.assertEqual(4, len(summary))
        for row in summary:
            self.assertEqual(set(metrics.SUMMARY_KEYS), set(row))
        rows = {(r['policy'], r['class']): r for r in summary}
        a = rows[('p', 'A')]
        self.assertEqual(
            (2, 1, 1, 0),
            (a['cases'], a['completed'], a['lost'], a['over_limit']))
        self.assertEqual(4.0, a['median_time_ratio_oracle'])
        bound = self.cases[0].guests[0].bytes_bound_mb() / (
            self.cases[0].bandwidth_mbps)
        self.assertAlmostEqual(20.0 / bound, a['median_time_ratio_bound'],
                               places=2)
        c = rows[('p', 'C')]
        self.assertEqual((0, 0, 1), (c['completed'], c['lost'],
                                     c['over_limit']))
        # Nothing completed: no ratio.
        self.assertIsNone(c['median_time_ratio_oracle'])
        self.assertIsNone(c['median_time_ratio_bound'])
        self.assertEqual(1.0, rows[('oracle', 'C')][
            'median_time_ratio_oracle'])
        detail = {(d['policy'], d['class']): d for d in details}
        self.assertEqual(1, detail[('p', 'C')]['aborted'])
        self.assertEqual(4, len(records))

    def test_violations_and_give_up_times(self):
        case = self.cases[0]
        guest = case.guests[0]
        results = [
            result(guest, 'over_limit',
                   violations=['stop 1500 ms > 1000', 'post-copy']),
            result(guest, 'over_limit', violations=['throttle 60 % > 50']),
            result(guest, 'aborted', time_s=42.0)]
        rows = [metrics.case_metrics(case, [r], [result(guest)])[0][0]
                for r in results]
        summary, detail = metrics.aggregate('p', 'A', [(case, rows, {})])
        self.assertEqual(2, summary['over_limit'])
        self.assertEqual({'stop': 1, 'post-copy': 1, 'throttle': 1},
                         detail['violations'])
        self.assertEqual(42.0, detail['median_give_up_s'])

    def test_drain_ratios(self):
        case = matrix.build(quick=True, classes=('H',))[0]
        oracle = [result(g, time_s=5.0, end=50.0) for g in case.guests]
        mine = [result(g, time_s=5.0, end=100.0 + i)
                for i, g in enumerate(case.guests)]
        mine[0]['outcome'] = simenv.ABORTED
        rows, extra = metrics.case_metrics(case, mine, oracle)
        self.assertEqual(111.0, extra['drain_time_s'])
        self.assertEqual(2.22, extra['drain_ratio_oracle'])
        summary, detail = metrics.aggregate('p', 'H', [(case, rows, extra)])
        self.assertEqual(12, summary['cases'])
        self.assertEqual(11, summary['completed'])
        self.assertEqual(2.22, summary['median_time_ratio_oracle'])
        self.assertEqual(111.0, detail['median_drain_time_s'])

    def test_findings(self):
        summary = [
            {'policy': 'project', 'class': 'C', 'cases': 4, 'completed': 1,
             'lost': 1, 'over_limit': 0, 'median_time_ratio_bound': 9.0,
             'median_time_ratio_oracle': 3.0},
            {'policy': 'ref', 'class': 'C', 'cases': 4, 'completed': 3,
             'lost': 0, 'over_limit': 0, 'median_time_ratio_bound': 2.0,
             'median_time_ratio_oracle': 1.5},
            {'policy': 'slow', 'class': 'C', 'cases': 4, 'completed': 1,
             'lost': 0, 'over_limit': 0, 'median_time_ratio_bound': 9.0,
             'median_time_ratio_oracle': 3.0}]
        lines = metrics.findings(summary)
        self.assertEqual(
            ['C: project completes 1/4 (3.0x oracle); better: ref (3/4, '
             '1.5x oracle)',
             'C: project lost 1 guest(s), 0 outside their limits'],
            lines)
