"""The judge: a guest's limits, and the targets of the project's policy."""

import ddt
from oslotest import base

from nova.bench import simenv
from nova.bench import targets
from nova.virt import sla


def _result(stop=100, downtime=100, throttle=0):
    return {'stop_ms': stop, 'downtime_ms': downtime,
            'max_throttle': throttle}


def _report(postcopy=None, paused=None):
    return {'postcopy_at_s': postcopy, 'paused_at_s': paused}


@ddt.ddt
class ViolationsTestCase(base.BaseTestCase):

    @ddt.data(
        # (tier, purpose, result, report, recoverable, expected)
        ('pet', None, _result(), _report(), True, []),
        ('pet', None, _result(stop=1200, downtime=900), _report(), True,
         ['stop 1200 ms > 1000']),
        ('panda', None, _result(stop=310, downtime=310), _report(), True,
         ['stop 310 ms > 300', 'downtime 310 ms > 300']),
        ('pet', None, _result(throttle=60), _report(), True,
         ['throttle 60 % > 50']),
        ('pet', None, _result(), _report(postcopy=3.0), True, []),
        ('pet', None, _result(), _report(postcopy=3.0), False,
         ['post-copy']),
        ('panda', None, _result(), _report(postcopy=3.0), True,
         ['post-copy']),
        ('pet', None, _result(), _report(paused=3.0), True, ['paused']),
        ('cattle', None, _result(stop=20000, downtime=1500),
         _report(paused=3.0), True, []),
        ('cattle', 'rebalance', _result(throttle=20),
         _report(postcopy=1.0, paused=2.0), True,
         ['throttle 20 % > 0', 'post-copy', 'paused']),
    )
    @ddt.unpack
    def test_violations(self, tier, purpose, result, report, recoverable,
                        expected):
        self.assertEqual(expected, simenv.violations(
            sla.limits(tier, purpose), result, report, recoverable))


def _row(policy, klass, completed, cases=4, lost=0, over=0, ratio=1.0):
    return {'policy': policy, 'class': klass, 'cases': cases,
            'completed': completed, 'lost': lost, 'over_limit': over,
            'median_time_ratio_bound': 1.5,
            'median_time_ratio_oracle': ratio}


def _record(klass, oracle, project, drain=None):
    runs = {'oracle': {'guests': [{'guest': 'g', 'outcome': oracle}]},
            'project': {'guests': [{'guest': 'g', 'outcome': project}]}}
    if drain is not None:
        runs['project']['drain_ratio_bound'] = drain
    return {'case': '%s-1' % klass, 'class': klass, 'runs': runs}


class TargetsTestCase(base.BaseTestCase):

    def _by(self, rows):
        return {(r['target'], r['class']): r for r in rows}

    def test_met(self):
        summary = [_row('oracle', 'C', 3), _row('project', 'C', 3),
                   _row('ref', 'C', 2, over=1, ratio=3.0)]
        rows = self._by(targets.evaluate(summary, [
            _record('C', 'completed', 'completed')]))
        self.assertTrue(all(r['met'] for r in rows.values()))
        self.assertIn('best reference ref 2/4', rows[('success', 'C')][
            'detail'])
        self.assertEqual(0, rows[('lost', 'all')]['value'])

    def test_not_met_with_the_reason(self):
        summary = [_row('oracle', 'H', 4), _row('project', 'H', 3,
                                                lost=1, over=1, ratio=1.3),
                   _row('ref', 'H', 4)]
        rows = self._by(targets.evaluate(summary, [
            _record('H', 'completed', 'aborted', drain=1.25)]))
        self.assertFalse(rows[('success', 'H')]['met'])
        self.assertIn('missed: H-1/g', rows[('success', 'H')]['detail'])
        self.assertFalse(rows[('time', 'H')]['met'])
        self.assertFalse(rows[('limits', 'H')]['met'])
        self.assertFalse(rows[('drain', 'H')]['met'])
        self.assertIn('H-1 1.25', rows[('drain', 'H')]['detail'])
        self.assertFalse(rows[('lost', 'all')]['met'])
        lines = targets.lines(targets.evaluate(summary, [
            _record('H', 'completed', 'aborted', drain=1.25)]))
        self.assertTrue(any(line.startswith('drain   H   NOT met 1.25')
                            for line in lines), lines)

    def test_nothing_without_the_project(self):
        self.assertEqual([], targets.evaluate([_row('oracle', 'A', 1)], []))
