"""Tests of what a scenario run shows (nova.scenario.progress)."""

import io

from nova.scenario import progress
from nova import test
from nova.virt.libvirt import driver

MIB = 1024 ** 2
CLEAR = '\r\x1b[K'


def _sample(remaining=512 * MIB, total=1024 * MIB, phase='PRECOPY',
            iteration=2, downtime=300, throttle=10, t=1.0):
    return driver.Sample(time_s=t, data_remaining=remaining,
                         data_total=total, iteration=iteration,
                         downtime_target_ms=downtime, throttle=throttle,
                         phase=phase)


def _op(**kw):
    op = {'step': 3, 'kind': 'live-migration', 'instance': 'vm1',
          'source': 'compute-1', 'dest': 'compute-2',
          'requested_dest': 'compute-2', 'result': 'completed',
          'total_time_s': 12.34, 'downtime_ms': 250,
          'bytes_moved': 3 * 1024 * MIB, 'iterations': 4, 'error': None}
    op.update(kw)
    return op


def _entry(**kw):
    entry = {'name': 'vm1', 'flavor': 'general', 'image': 'cirros',
             'host': 'compute-1', 'result': 'active', 'error': None}
    entry.update(kw)
    return entry


class PlainDisplayTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.stream = io.StringIO()
        self.display = progress.Display(self.stream, interactive=False)

    def _lines(self):
        return self.stream.getvalue().splitlines()

    def test_not_a_terminal_by_default(self):
        self.assertFalse(progress.Display(io.StringIO()).interactive)

    def test_booted(self):
        self.display.booted(_entry())
        self.assertEqual(
            'boot vm1 (flavor general, image cirros): active on compute-1\n',
            self.stream.getvalue())

    def test_booted_refused_without_image(self):
        self.display.booted(_entry(image=None, host=None, result='refused',
                                   error='No valid host was found.'))
        lines = self._lines()
        self.assertEqual(2, len(lines))
        self.assertEqual('boot vm1 (flavor general): refused',
                         lines[0].rstrip())
        self.assertEqual('    No valid host was found.', lines[1])
        self.assertNotIn('\x1b', self.stream.getvalue())

    def test_started_with_destination(self):
        self.display.started(_op())
        self.assertEqual(
            '[step 3] live-migration of vm1 from compute-1 to compute-2\n',
            self.stream.getvalue())

    def test_started_with_purpose(self):
        self.display.started(_op(purpose='rebalance'))
        self.assertEqual(
            '[step 3] live-migration of vm1 from compute-1 to compute-2, '
            'purpose rebalance\n', self.stream.getvalue())

    def test_started_scheduled(self):
        self.display.started(_op(kind='evacuation', requested_dest=None))
        self.assertEqual(
            '[step 3] evacuation of vm1 from compute-1 (destination chosen '
            'by the scheduler)\n', self.stream.getvalue())

    def test_finished(self):
        self.display.finished(_op())
        self.assertEqual(
            '  live-migration of vm1 compute-1 -> compute-2: completed in '
            '12.3 s, downtime 250 ms, 3072 MiB moved, 4 passes\n',
            self.stream.getvalue())

    def test_finished_refused(self):
        self.display.finished(_op(dest=None, result='refused',
                                  total_time_s=None, downtime_ms=None,
                                  bytes_moved=None, iterations=None,
                                  error='No valid host'))
        self.assertEqual(
            '  live-migration of vm1 compute-1 -> ?: refused '
            '(No valid host)\n', self.stream.getvalue())

    def test_note(self):
        self.display.note('host compute-3 is down')
        self.assertEqual('host compute-3 is down\n', self.stream.getvalue())

    def test_progress_line(self):
        self.display.progress(_op(), _sample(), 1, 3.0)
        self.assertEqual(
            '  vm1  50% remaining  pass 2  max downtime 300 ms  '
            'throttle 10%  actions 1  t=3.0s  precopy\n',
            self.stream.getvalue())

    def test_progress_default_downtime_and_no_total(self):
        self.display.progress(_op(), _sample(total=0, remaining=0,
                                             downtime=0), 0, 0.0)
        line = self.stream.getvalue()
        self.assertIn('100% remaining', line)
        self.assertIn('max downtime default', line)

    def test_progress_throttled(self):
        op = _op()
        show = self.display.progress
        show(op, _sample(), 1, 0.0)
        self.assertEqual(1, len(self._lines()))
        # Same actions and phase, within PLAIN_EVERY: nothing.
        show(op, _sample(remaining=400 * MIB), 1, 1.0)
        show(op, _sample(remaining=300 * MIB),
             1, progress.PLAIN_EVERY - 0.5)
        self.assertEqual(1, len(self._lines()))
        # A new action: a line.
        show(op, _sample(remaining=200 * MIB), 2, progress.PLAIN_EVERY - 0.4)
        self.assertEqual(2, len(self._lines()))
        self.assertIn('actions 2', self._lines()[-1])
        # A new phase: a line.
        show(op, _sample(phase='POSTCOPY'), 2, progress.PLAIN_EVERY - 0.3)
        self.assertEqual(3, len(self._lines()))
        self.assertTrue(self._lines()[-1].endswith('postcopy'))
        # Nothing new, but PLAIN_EVERY since the last line: a line.
        last = progress.PLAIN_EVERY - 0.3
        show(op, _sample(phase='POSTCOPY'), 2,
             last + progress.PLAIN_EVERY - 0.1)
        self.assertEqual(3, len(self._lines()))
        show(op, _sample(phase='POSTCOPY'), 2, last + progress.PLAIN_EVERY)
        self.assertEqual(4, len(self._lines()))
        for line in self._lines():
            self.assertTrue(line.startswith('  vm1 '), line)
            self.assertNotIn('\x1b', line)

    def test_started_resets_the_throttle(self):
        op = _op()
        self.display.progress(op, _sample(), 1, 0.0)
        self.display.started(op)
        self.display.progress(op, _sample(), 1, 0.5)
        progress_lines = [line for line in self._lines()
                          if line.startswith('  vm1 ')]
        self.assertEqual(2, len(progress_lines))


class TerminalDisplayTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.stream = io.StringIO()
        self.display = progress.Display(self.stream, interactive=True)

    def _bar(self, filled):
        return '[%s%s]' % ('#' * filled, '.' * (progress.BAR_WIDTH - filled))

    def test_status_line(self):
        self.display.progress(_op(), _sample(), 1, 3.0)
        out = self.stream.getvalue()
        self.assertTrue(out.startswith(CLEAR + '  vm1 '), repr(out))
        self.assertIn(self._bar(progress.BAR_WIDTH // 2), out)
        self.assertIn('50% remaining', out)
        self.assertFalse(out.endswith('\n'))

    def test_status_line_redrawn_every_sample(self):
        self.display.progress(_op(), _sample(remaining=1024 * MIB), 0, 0.0)
        self.display.progress(_op(), _sample(remaining=1024 * MIB), 0, 0.5)
        self.display.progress(_op(), _sample(remaining=0), 0, 1.0)
        out = self.stream.getvalue()
        self.assertEqual(3, out.count(CLEAR))
        self.assertIn(self._bar(0), out)
        self.assertIn(self._bar(progress.BAR_WIDTH), out)
        self.assertNotIn('\n', out)

    def test_note_redraws_status(self):
        self.display.progress(_op(), _sample(), 1, 3.0)
        status = self.stream.getvalue()[len(CLEAR):]
        self.stream.seek(0)
        self.stream.truncate()
        self.display.note('vm2: workload now 1024 MiB written at 300 MiB/s')
        self.assertEqual(
            CLEAR + 'vm2: workload now 1024 MiB written at 300 MiB/s\n' +
            status, self.stream.getvalue())

    def test_note_without_status(self):
        self.display.note('hello')
        self.assertEqual('hello\n', self.stream.getvalue())

    def test_finished_clears_status(self):
        self.display.progress(_op(), _sample(), 1, 3.0)
        self.stream.seek(0)
        self.stream.truncate()
        self.display.finished(_op())
        out = self.stream.getvalue()
        self.assertTrue(out.startswith(CLEAR + '  live-migration of vm1 '),
                        repr(out))
        self.assertTrue(out.endswith('4 passes\n'), repr(out))
        # The status line is gone: a later note is not followed by it.
        self.stream.seek(0)
        self.stream.truncate()
        self.display.note('next')
        self.assertEqual('next\n', self.stream.getvalue())
