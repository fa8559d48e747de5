"""Tests of the PNG timeline of one live migration."""

import os
import struct
import time

import ddt
import fixtures

from nova.scenario import timeline
from nova import test

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
GIB = 1024 ** 3


def _sample(t, remaining, phase='PRECOPY', iteration=1, downtime=0,
            throttle=0, total=4 * GIB):
    return {'time_s': t, 'data_remaining': remaining, 'data_total': total,
            'iteration': iteration, 'downtime_target_ms': downtime,
            'throttle': throttle, 'phase': phase}


def _action(t, action, value=None, reason=''):
    return {'time_s': t, 'action': action, 'value': value, 'reason': reason}


def _migration():
    """Samples and actions of a migration that tries everything."""
    samples = []
    for i in range(40):
        phase = 'PRECOPY'
        if 20 <= i < 25:
            phase = 'PAUSED_PRECOPY'
        elif 25 <= i < 39:
            phase = 'POSTCOPY'
        elif i == 39:
            phase = 'FINISHED'
        samples.append(_sample(i * 0.5, (40 - i) * 100 * 1024 ** 2,
                               phase=phase, iteration=i // 5 + 1,
                               downtime=50 * (i // 5), throttle=5 * (i // 8)))
    actions = [
        _action(2.5, 'set-downtime', 50, 'step 1'),
        _action(5.0, 'set-downtime', 100, 'step 2'),
        _action(7.0, 'fault:network-slow', None, 'scenario'),
        _action(9.0, 'force-complete-requested', None, 'scenario'),
        _action(10.0, 'pause', None, 'no progress'),
        _action(12.5, 'start-postcopy', None, 'force complete'),
        _action(18.0, 'abort-requested', None, 'scenario'),
        _action(19.0, 'abort', None, 'timeout'),
    ]
    return samples, actions


def _legend_texts(fig):
    texts = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None:
            texts.extend(t.get_text() for t in legend.get_texts())
    return texts


@ddt.ddt
class WritePngTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _write(self, samples, actions, clock='virtual'):
        path = os.path.join(self.tmp, 'timeline.png')
        self.assertEqual(path, timeline.write_png(
            path, 'instance abc: host1 -> host2', samples, actions,
            clock=clock))
        with open(path, 'rb') as f:
            data = f.read()
        self.assertEqual(PNG_SIGNATURE, data[:8])
        self.assertGreater(len(data), 5000)
        self.assertEqual(b'IHDR', data[12:16])
        self.assertEqual((1000, 600), struct.unpack('>II', data[16:24]))
        return data

    def test_full_migration(self):
        samples, actions = _migration()
        self._write(samples, actions)

    def test_no_samples(self):
        self._write([], [])

    def test_no_samples_with_actions(self):
        self._write([], [_action(0.0, 'fault:refused', None, 'scenario')])

    @ddt.data('virtual', 'real')
    def test_clock(self, clock):
        samples, actions = _migration()
        self._write(samples, actions, clock=clock)

    def test_single_sample(self):
        self._write([_sample(0.0, GIB)], [])

    def test_same_time(self):
        samples = [_sample(3.0, GIB - i, phase=phase)
                   for i, phase in enumerate(['PRECOPY', 'POSTCOPY',
                                              'FINISHED'])]
        self._write(samples, [_action(3.0, 'start-postcopy')])

    def test_many_samples(self):
        n = 3000
        samples = [_sample(i * 0.1, (n - i) * 1024 ** 2, iteration=i // 100,
                           downtime=50 * (i // 300), throttle=i // 100)
                   for i in range(n)]
        actions = [_action(i * 30.0, 'set-downtime', 50 * i)
                   for i in range(10)]
        start = time.monotonic()
        self._write(samples, actions)
        # Generous bound: shared CI machines are slow.
        self.assertLess(time.monotonic() - start, 10)


@ddt.ddt
class BuildFigureTestCase(test.NoDBTestCase):

    def test_legend_post_copy_switch(self):
        samples, actions = _migration()
        fig = timeline.build_figure('t', samples, actions, 'virtual')
        texts = _legend_texts(fig)
        for label in ('post-copy switch', 'guest paused', 'abort',
                      'force-complete requested', 'abort requested',
                      'fault: network-slow', 'post-copy',
                      'guest paused (pre-copy)', 'data remaining',
                      'auto-converge throttle (%)'):
            self.assertIn(label, texts)
        # Each label once.
        self.assertEqual(sorted(set(texts)), sorted(texts))

    def test_no_post_copy_switch_without_action(self):
        samples = [_sample(i, GIB - i) for i in range(5)]
        fig = timeline.build_figure('t', samples, [], 'virtual')
        self.assertNotIn('post-copy switch', _legend_texts(fig))

    def test_labels_once(self):
        samples = [_sample(i, GIB - i) for i in range(5)]
        actions = [_action(1, 'start-postcopy'), _action(2, 'start-postcopy'),
                   _action(3, 'pause'), _action(4, 'pause')]
        fig = timeline.build_figure('t', samples, actions, 'virtual')
        texts = _legend_texts(fig)
        self.assertEqual(1, texts.count('post-copy switch'))
        self.assertEqual(1, texts.count('guest paused'))

    @ddt.data(('virtual', 'simulated clock'), ('real', 'wall clock'))
    @ddt.unpack
    def test_x_label_and_title(self, clock, expected):
        fig = timeline.build_figure('my title', [_sample(0, 1)], [], clock)
        self.assertIn(expected, fig.axes[1].get_xlabel())
        self.assertEqual('my title', fig.get_suptitle())

    def test_throttle_axis_only_when_throttled(self):
        samples = [_sample(i, GIB - i) for i in range(5)]
        fig = timeline.build_figure('t', samples, [], 'virtual')
        self.assertEqual(2, len(fig.axes))
        self.assertIn('no throttling',
                      [t.get_text() for t in fig.axes[1].texts])
        samples[2]['throttle'] = 20
        fig = timeline.build_figure('t', samples, [], 'virtual')
        self.assertEqual(3, len(fig.axes))
        self.assertEqual((0, 100), fig.axes[2].get_ylim())

    def test_no_samples_text(self):
        fig = timeline.build_figure('t', [], [], 'virtual')
        self.assertIn('no samples',
                      [t.get_text() for t in fig.axes[0].texts])

    def test_bad_clock(self):
        self.assertRaises(ValueError, timeline.build_figure, 't', [], [],
                          'sundial')
