"""Tests of the end-of-run summary (nova.scenario.report)."""

import json
import os
import signal

import fixtures

from nova.scenario import interrupt
from nova.scenario import report
from nova import test

MIB = 1024 ** 2


def _action(action, value=None, t=1.0):
    return {'time_s': t, 'action': action, 'value': value, 'reason': ''}


def _samples(*throttles):
    return [{'time_s': i * 0.5, 'throttle': throttle}
            for i, throttle in enumerate(throttles)]


def _op(**kw):
    op = {'step': 0, 'kind': 'live-migration', 'instance': 'vm1',
          'source': 'compute-1', 'dest': 'compute-2',
          'purpose': 'maintenance',
          'policy': 'post-copy (flavor)', 'result': 'completed',
          'expect': None, 'error': None, 'total_time_s': 12.34,
          'downtime_ms': 250, 'bytes_moved': 3072 * MIB, 'iterations': 4,
          'actions': [], 'samples': []}
    op.update(kw)
    return op


def _refused_op(**kw):
    values = dict(step=1, instance='vm2', dest=None, source=None,
                  policy=None, result='refused', total_time_s=None,
                  downtime_ms=None, bytes_moved=None, iterations=None,
                  error='No valid host was found.')
    values.update(kw)
    return _op(**values)


def _entry(**kw):
    entry = {'name': 'vm1', 'flavor': 'general', 'image': 'cirros',
             'result': 'active', 'host': 'compute-1', 'expect': None,
             'error': None}
    entry.update(kw)
    return entry


def _report(instances=None, operations=None, expectations=(),
            problems=(), **kw):
    rep = {'scenario': 'test', 'clock': 'virtual',
           'instances': instances if instances is not None else [_entry()],
           'operations': operations if operations is not None else [_op()],
           'expectations': list(expectations),
           'audit': {'clean': not problems, 'problems': list(problems)}}
    rep.update(kw)
    return rep


class SummarizeActionsTestCase(test.NoDBTestCase):

    def test_nothing(self):
        self.assertEqual('-', report.summarize_actions([]))
        self.assertEqual('-', report.summarize_actions([], _samples(0, 0)))

    def test_downtime_steps(self):
        actions = [_action('set-downtime', 100), _action('set-downtime', 600),
                   _action('set-downtime', 350)]
        self.assertEqual('downtime x3 (max 600 ms)',
                         report.summarize_actions(actions))

    def test_throttle_from_samples(self):
        self.assertEqual('throttle up to 70%',
                         report.summarize_actions([], _samples(0, 20, 70, 50)))

    def test_words_in_order_without_repeats(self):
        actions = [_action('set-downtime', 50),
                   _action('force-complete-requested'),
                   _action('pause'),
                   _action('start-postcopy'),
                   _action('abort-refused'),
                   _action('abort-refused'),
                   _action('unknown-thing')]
        self.assertEqual(
            'downtime x1 (max 50 ms), throttle up to 30%, force-complete, '
            'paused, post-copy, abort refused',
            report.summarize_actions(actions, _samples(10, 30)))

    def test_fault_and_abort_words(self):
        actions = [_action('fault:network-drop'), _action('abort'),
                   _action('fault:destination-failure')]
        self.assertEqual(
            'network drop, aborted by monitor, destination failed',
            report.summarize_actions(actions))


class TableTestCase(test.NoDBTestCase):

    def test_alignment(self):
        headers = ['name', 'n', 'note']
        rows = [['a', '12345', 'x'], ['longer-name', '1', '']]
        lines = report.table(headers, rows).split('\n')
        self.assertEqual(4, len(lines))
        self.assertEqual('name         n      note', lines[0])
        self.assertEqual('-----------  -----  ----', lines[1])
        self.assertEqual('a            12345  x', lines[2])
        # Trailing blanks of the last column are cut from rows.
        self.assertEqual('longer-name  1', lines[3])

    def test_columns_start_at_the_same_offset(self):
        headers = ['instance', 'result', 'host']
        rows = [['vm-with-a-long-name', 'active', 'compute-1'],
                ['vm2', 'refused', '-']]
        lines = report.table(headers, rows).split('\n')
        second = len('vm-with-a-long-name') + 2
        third = second + len('refused') + 2
        self.assertEqual(
            [('instance', 'result', 'host'),
             ('-' * (second - 2), '-------', '---------'),
             ('vm-with-a-long-name', 'active', 'compute-1'),
             ('vm2', 'refused', '-')],
            [(line[:second].rstrip(), line[second:third].rstrip(),
              line[third:].rstrip()) for line in lines])

    def test_non_string_cells(self):
        lines = report.table(['a', 'b'], [[1, None], [22, 3.5]]).split('\n')
        self.assertEqual(['a   b', '--  ----', '1   None', '22  3.5'],
                         [line.rstrip() for line in lines])

    def test_headers_only(self):
        self.assertEqual('a  bb\n-  --', report.table(['a', 'bb'], []))


class SummaryRowsTestCase(test.NoDBTestCase):

    def test_completed(self):
        op = _op(actions=[_action('start-postcopy')])
        self.assertEqual(
            [['vm1', 'live-migration', 'maintenance',
              'compute-1 -> compute-2', 'post-copy (flavor)', 'completed',
              '12.3 s', '250 ms', '3072 MiB', 'post-copy']],
            report.summary_rows(_report(operations=[op])))

    def test_refused_shows_dashes(self):
        rows = report.summary_rows(_report(operations=[_refused_op()]))
        self.assertEqual(
            [['vm2', 'live-migration', 'maintenance', '- -> -', '-',
              'refused', '-', '-', '-', '-']], rows)

    def test_evacuation_has_no_purpose(self):
        rows = report.summary_rows(_report(operations=[_op(
            kind='evacuation', purpose=None)]))
        self.assertEqual(['evacuation', '-'], rows[0][1:3])

    def test_zero_numbers_are_not_dashes(self):
        rows = report.summary_rows(_report(operations=[_op(
            total_time_s=0.0, downtime_ms=0, bytes_moved=0)]))
        self.assertEqual(['0.0 s', '0 ms', '0 MiB'], rows[0][6:9])

    def test_row_width_matches_headers(self):
        rows = report.summary_rows(_report(operations=[_op(),
                                                       _refused_op()]))
        for row in rows:
            self.assertEqual(len(report.HEADERS), len(row))


class CheckExpectationsTestCase(test.NoDBTestCase):

    def test_all_met(self):
        rep = _report(
            instances=[_entry(expect='active'),
                       _entry(name='vm2', result='refused', expect='refused'),
                       _entry(name='vm3', result='error')],
            operations=[_op(expect='completed'), _op(step=1)])
        self.assertEqual([], report.check_expectations(rep))

    def test_unmet_instance(self):
        rep = _report(instances=[_entry(name='bad', expect='refused')])
        self.assertEqual(['instance bad: expected refused, got active'],
                         report.check_expectations(rep))

    def test_unmet_step(self):
        rep = _report(operations=[
            _op(step=4, instance='vm9', result='failed', expect='cancelled')])
        self.assertEqual(
            ['step 4 (live-migration of vm9): expected cancelled, got '
             'failed'], report.check_expectations(rep))

    def test_instances_before_steps(self):
        rep = _report(
            instances=[_entry(expect='refused')],
            operations=[_op(kind='evacuation', result='failed',
                            expect='completed')])
        unmet = report.check_expectations(rep)
        self.assertEqual(2, len(unmet))
        self.assertTrue(unmet[0].startswith('instance vm1:'))
        self.assertTrue(unmet[1].startswith('step 0 (evacuation of vm1):'))


class DrainsTestCase(test.NoDBTestCase):

    @staticmethod
    def _drain(**kw):
        drain = {'step': 2, 'host': 'compute-1', 'expect': None,
                 'note': None, 'started_at': 1.0, 'result': 'partial',
                 'error': None, 'elapsed_s': 16.02, 'max_concurrent': 2,
                 'order': 'largest-memory-first',
                 'counts': {'queued': 0, 'moving': 0, 'moved': 3,
                            'refused': 1, 'failed': 0, 'error': 0,
                            'gone': 0}}
        drain.update(kw)
        return drain

    def test_rows(self):
        rows = report.drain_rows(_report(drains=[
            self._drain(), self._drain(result='refused', elapsed_s=None,
                                       max_concurrent=None, order=None,
                                       counts={}, error='down')]))
        self.assertEqual([
            [2, 'compute-1', 'partial', '16.0 s', '2',
             'largest-memory-first', '3 moved, 1 refused'],
            [2, 'compute-1', 'refused', '-', '-', '-', '-']], rows)
        for row in rows:
            self.assertEqual(len(report.DRAIN_HEADERS), len(row))

    def test_expectations(self):
        rep = _report(drains=[self._drain(expect='drained'),
                              self._drain(step=3, expect='partial')])
        self.assertEqual(['step 2 (drain of compute-1): expected drained, '
                          'got partial'], report.check_expectations(rep))

    def test_text_section_only_with_drains(self):
        self.assertNotIn('Host drains', report.text(_report()))
        text = report.text(_report(drains=[self._drain(
            result='refused', error='HostDrainHostDown: down')]))
        self.assertIn('Host drains (purpose evacuate-host; time on the '
                      'virtual clock)', text)
        self.assertIn('  step 2 drain of compute-1: HostDrainHostDown: down',
                      text)


class TextTestCase(test.NoDBTestCase):

    def test_clean_run(self):
        out = report.text(_report())
        lines = out.split('\n')
        self.assertIn('Instances', lines)
        self.assertIn('Moves (virtual clock)', lines)
        self.assertIn('  all met', lines)
        self.assertIn('  clean', lines)
        self.assertNotIn('NOT MET', out)
        self.assertNotIn('PROBLEM', out)
        self.assertNotIn('Results written to', out)
        self.assertIn('post-copy (flavor)', out)

    def test_problems_and_unmet(self):
        rep = _report(
            instances=[_entry(),
                       _entry(name='vm2', image=None, host=None,
                              result='refused', expect='active',
                              error='flavor and image clash')],
            operations=[_op(), _refused_op()],
            problems=['allocation of vm1 on compute-1 and compute-2',
                      'namespace ns0 claimed twice'],
            output='/tmp/results', clock='real')
        rep['expectations'] = report.check_expectations(rep)
        out = report.text(rep)
        lines = out.split('\n')
        self.assertIn('  NOT MET: instance vm2: expected active, got refused',
                      lines)
        self.assertIn(
            '  PROBLEM: allocation of vm1 on compute-1 and compute-2', lines)
        self.assertIn('  PROBLEM: namespace ns0 claimed twice', lines)
        self.assertNotIn('  clean', lines)
        self.assertNotIn('  all met', lines)
        self.assertIn('  vm2: flavor and image clash', lines)
        self.assertIn('  step 1 vm2: No valid host was found.', lines)
        self.assertIn('Moves (real clock)', lines)
        self.assertEqual('Results written to /tmp/results', lines[-1])
        # The refused instance's image and host cells are dashes.
        row = [line for line in lines if line.startswith('vm2 ')][0]
        self.assertEqual(['vm2', 'general', '-', 'refused', '-'],
                         row.split())


class WriteOutputsTestCase(test.NoDBTestCase):
    """Timelines and results.json appear all together or not at all."""

    def setUp(self):
        super().setUp()
        self.out = self.useFixture(fixtures.TempDir()).path

        def png(path, *args, **kwargs):
            with open(path, 'wb') as handle:
                handle.write(b'png')
            return path
        self.useFixture(fixtures.MockPatch(
            'nova.scenario.timeline.write_png', side_effect=png))
        self.report = _report(operations=[
            _op(samples=_samples(0, 0)),
            _op(step=1, instance='vm2', samples=_samples(0))])

    def files(self):
        return sorted(os.listdir(self.out))

    def test_every_file_in_place(self):
        report.write_outputs(self.report, self.out, 'results.json')
        self.assertEqual(['results.json', 'step00-vm1.png',
                          'step01-vm2.png'], self.files())
        self.assertEqual(os.path.join(self.out, 'step01-vm2.png'),
                         self.report['operations'][1]['timeline'])
        with open(os.path.join(self.out, 'results.json')) as handle:
            self.assertEqual(os.path.join(self.out, 'step00-vm1.png'),
                             json.load(handle)['operations'][0]['timeline'])

    def test_failure_while_writing_leaves_nothing(self):
        with open(os.path.join(self.out, 'results.json'), 'w') as handle:
            handle.write('{"previous": "run"}')
        self.useFixture(fixtures.MockPatch(
            'nova.scenario.report.write_json',
            side_effect=OSError(28, 'No space left on device')))
        self.assertRaises(OSError, report.write_outputs, self.report,
                          self.out, 'results.json')
        # The previous run's results are untouched, no timeline of this
        # run came in, and the hidden staging directory is gone.
        self.assertEqual(['results.json'], self.files())
        with open(os.path.join(self.out, 'results.json')) as handle:
            self.assertEqual({'previous': 'run'}, json.load(handle))

    def test_signal_while_renaming_waits_for_the_last_file(self):
        interrupt.install()
        self.addCleanup(interrupt.uninstall)
        real_replace = os.replace
        calls = []

        def replace(src, dst):
            if not calls:
                os.kill(os.getpid(), signal.SIGTERM)
            calls.append(dst)
            real_replace(src, dst)
        self.useFixture(fixtures.MockPatch('os.replace',
                                           side_effect=replace))
        committed = []
        self.assertRaises(interrupt.Interrupted, report.write_outputs,
                          self.report, self.out, 'results.json',
                          committed=lambda: committed.append([
                              name for name in self.files()
                              if not name.startswith('.')]))
        # Every file was in place before the signal was raised.
        self.assertEqual([['results.json', 'step00-vm1.png',
                           'step01-vm2.png']], committed)
        self.assertEqual(['results.json', 'step00-vm1.png',
                          'step01-vm2.png'], self.files())
        self.assertEqual('results.json', os.path.basename(calls[-1]))


class PlacementCleanupTextTestCase(test.NoDBTestCase):

    def test_problem_shown(self):
        out = report.text(_report(placement_cleanup={
            'problems': ['Placement at http://p could not be given back']}))
        self.assertIn('PROBLEM: Placement at http://p could not be given '
                      'back', out.split('\n'))
