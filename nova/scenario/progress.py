"""What ``run`` shows while it works.

On a terminal each running migration has one status line, redrawn in
place: a bar of the data still to send, the pass, the current maximum
downtime, the auto-converge throttle and how many actions the monitor
took.  Anything else (boots, faults, requests, results) is printed above
it.  When the stream is not a terminal the same facts come as plain lines:
one per new action or phase, and at least every ``PLAIN_EVERY`` seconds.
"""

BAR_WIDTH = 24
PLAIN_EVERY = 10.0


def _mib(value):
    return '%.0f MiB' % ((value or 0) / 1024.0 / 1024.0)


def move_line(op):
    """One line saying how a move ended."""
    route = '%s -> %s' % (op['source'] or '?', op['dest'] or '?')
    text = '%s of %s %s: %s' % (op['kind'], op['instance'], route,
                                op['result'])
    if op.get('total_time_s') is not None:
        text += ' in %.1f s, downtime %d ms, %s moved, %d passes' % (
            op['total_time_s'], op['downtime_ms'] or 0,
            _mib(op['bytes_moved']), op['iterations'] or 0)
    if op.get('error'):
        text += ' (%s)' % op['error']
    return text


class Display(object):

    def __init__(self, stream, interactive=None):
        self.stream = stream
        if interactive is None:
            isatty = getattr(stream, 'isatty', None)
            interactive = bool(isatty and isatty())
        self.interactive = interactive
        self._status = ''
        self._last = None

    # -- plumbing -----------------------------------------------------------

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def note(self, text):
        """A line of its own (above the status line on a terminal)."""
        if self.interactive and self._status:
            self._write('\r\x1b[K%s\n%s' % (text, self._status))
        else:
            self._write(text + '\n')

    def _set_status(self, text):
        self._status = text
        self._write('\r\x1b[K' + text)

    def _clear_status(self):
        if self.interactive and self._status:
            self._write('\r\x1b[K')
        self._status = ''

    # -- events -------------------------------------------------------------

    def booted(self, entry):
        text = 'boot %s (flavor %s%s): %s' % (
            entry['name'], entry['flavor'],
            ', image %s' % entry['image'] if entry['image'] else '',
            entry['result'])
        if entry['host']:
            text += ' on %s' % entry['host']
        if entry['error']:
            text += '\n    %s' % entry['error']
        self.note(text)

    def started(self, op):
        self._last = None
        self.note('[step %d] %s of %s from %s%s%s' % (
            op['step'], op['kind'], op['instance'], op['source'],
            ' to %s' % op['requested_dest'] if op['requested_dest']
            else ' (destination chosen by the scheduler)',
            ', purpose %s' % op['purpose'] if op.get('purpose') else ''))

    def progress(self, op, sample, actions, elapsed):
        total = sample.data_total or 0
        remaining = sample.data_remaining or 0
        fraction = remaining / total if total else 1.0
        facts = '%3.0f%% remaining  pass %d  max downtime %s  ' \
                'throttle %d%%  actions %d  t=%.1fs  %s' % (
                    100 * fraction, sample.iteration,
                    '%d ms' % sample.downtime_target_ms
                    if sample.downtime_target_ms else 'default',
                    sample.throttle, actions, elapsed, sample.phase.lower())
        if self.interactive:
            filled = int(round(BAR_WIDTH * (1 - fraction)))
            bar = '#' * filled + '.' * (BAR_WIDTH - filled)
            self._set_status('  %s [%s] %s' % (op['instance'], bar, facts))
            return
        key = (actions, sample.phase)
        if (self._last is None or key != self._last[0] or
                elapsed - self._last[1] >= PLAIN_EVERY):
            self._last = (key, elapsed)
            self._write('  %s %s\n' % (op['instance'], facts))

    def finished(self, op):
        self._clear_status()
        self.note('  ' + move_line(op))
