"""The end of a run: summary table, expectations, audit, JSON, timelines."""

import json
import os
import shutil
import tempfile

from nova.scenario import interrupt
from nova.scenario import timeline

_ACTION_WORDS = {
    'start-postcopy': 'post-copy',
    'pause': 'paused',
    'abort': 'aborted by monitor',
    'force-complete-requested': 'force-complete',
    'force-complete-refused': 'force-complete refused',
    'abort-requested': 'abort requested',
    'abort-refused': 'abort refused',
    'time-limit': 'time limit',
    'interrupted': 'interrupted',
    'fault:network-drop': 'network drop',
    'fault:destination-failure': 'destination failed',
}


def summarize_actions(actions, samples=()):
    """'downtime x3 (max 600 ms), throttle 70%, post-copy' for a move."""
    words = []
    steps = [a['value'] for a in actions if a['action'] == 'set-downtime']
    if steps:
        words.append('downtime x%d (max %d ms)' % (len(steps), max(steps)))
    throttle = max((s['throttle'] for s in samples), default=0)
    if throttle:
        words.append('throttle up to %d%%' % throttle)
    for action in actions:
        word = _ACTION_WORDS.get(action['action'])
        if word and word not in words:
            words.append(word)
    return ', '.join(words) or '-'


def _cell(value, fmt):
    return '-' if value is None else fmt % value


def summary_rows(report):
    rows = []
    for op in report['operations']:
        rows.append([
            op['instance'],
            op['kind'],
            op.get('purpose') or '-',
            '%s -> %s' % (op['source'] or '-', op['dest'] or '-'),
            op['policy'] or '-',
            op['result'],
            _cell(op['total_time_s'], '%.1f s'),
            _cell(op['downtime_ms'], '%d ms'),
            _cell(None if op['bytes_moved'] is None
                  else op['bytes_moved'] / 1024.0 / 1024.0, '%.0f MiB'),
            summarize_actions(op['actions'], op['samples']),
        ])
    return rows


HEADERS = ['instance', 'move', 'purpose', 'source -> destination', 'policy',
           'result',
           'total time', 'downtime', 'bytes moved', 'actions']


def table(headers, rows):
    widths = [max(len(str(r[i])) for r in [headers] + rows)
              for i in range(len(headers))]
    lines = ['  '.join(str(c).ljust(w)
                       for c, w in zip(headers, widths)).rstrip()]
    lines.append('  '.join('-' * w for w in widths))
    for row in rows:
        lines.append('  '.join(str(c).ljust(w)
                               for c, w in zip(row, widths)).rstrip())
    return '\n'.join(lines)


def check_expectations(report):
    """Sentences for every result that is not what the scenario expects."""
    unmet = []
    for entry in report['instances']:
        if entry['expect'] and entry['expect'] != entry['result']:
            unmet.append('instance %s: expected %s, got %s' % (
                entry['name'], entry['expect'], entry['result']))
    for op in report['operations']:
        if op['expect'] and op['expect'] != op['result']:
            unmet.append('step %d (%s of %s): expected %s, got %s' % (
                op['step'], op['kind'], op['instance'], op['expect'],
                op['result']))
    for drain in report.get('drains') or []:
        if drain['expect'] and drain['expect'] != drain['result']:
            unmet.append('step %d (drain of %s): expected %s, got %s' % (
                drain['step'], drain['host'], drain['expect'],
                drain['result']))
    return unmet


def drain_rows(report):
    rows = []
    for drain in report.get('drains') or []:
        counts = drain.get('counts') or {}
        rows.append([
            drain['step'], drain['host'], drain['result'],
            _cell(drain['elapsed_s'], '%.1f s'),
            _cell(drain['max_concurrent'], '%d'),
            drain['order'] or '-',
            ', '.join('%d %s' % (n, r) for r, n in counts.items() if n)
            or '-'])
    return rows


DRAIN_HEADERS = ['step', 'host', 'result', 'time', 'at once', 'order',
                 'instances']


def write_timelines(report, output_dir, where=None):
    """One PNG per live migration that ran, written in ``output_dir``.

    The report records each at ``where`` (default ``output_dir``): the
    directory the files end up in.  Returns the file names.
    """
    names = []
    for op in report['operations']:
        if op['kind'] != 'live-migration' or not op['samples']:
            continue
        name = 'step%02d-%s.png' % (op['step'], op['instance'])
        timeline.write_png(
            os.path.join(output_dir, name),
            'step %d: %s %s -> %s (%s, %s)' % (
                op['step'], op['instance'], op['source'], op['dest'],
                op['policy'], op['result']),
            op['samples'], op['actions'], clock=report['clock'])
        op['timeline'] = os.path.join(where or output_dir, name)
        names.append(name)
    return names


def write_json(report, path):
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
        handle.write('\n')
    return path


def write_outputs(report, output_dir, results_name, committed=None):
    """The timelines and ``results_name`` in ``output_dir``, all or none.

    Everything is written in a hidden directory inside ``output_dir``
    first, then renamed into place (results last) with SIGINT and SIGTERM
    held back, so that an interrupted run leaves either every file of
    this run or none; the hidden directory is removed in every case.
    ``committed()`` is called once every file is in place, before a
    signal held back is raised.
    """
    staging = tempfile.mkdtemp(prefix='.incoming-', dir=output_dir)
    try:
        names = write_timelines(report, staging, where=output_dir)
        write_json(report, os.path.join(staging, results_name))
        with interrupt.deferred():
            for name in names + [results_name]:
                os.replace(os.path.join(staging, name),
                           os.path.join(output_dir, name))
            if committed is not None:
                committed()
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def text(report):
    """The human summary printed at the end of a run."""
    lines = ['', 'Instances']
    lines.append(table(
        ['instance', 'flavor', 'image', 'result', 'host'],
        [[e['name'], e['flavor'], e['image'] or '-', e['result'],
          e['host'] or '-'] for e in report['instances']]))
    refused = [e for e in report['instances'] if e['error']]
    for entry in refused:
        lines.append('  %s: %s' % (entry['name'], entry['error']))
    lines += ['', 'Moves (%s clock)' % report['clock']]
    lines.append(table(HEADERS, summary_rows(report)))
    for op in report['operations']:
        if op.get('settlement'):
            lines.append('  step %s %s: settled from where the guest runs: '
                         '%s' % (op['step'], op['instance'],
                                 op['settlement']))
        if op['error']:
            lines.append('  step %d %s: %s' % (op['step'], op['instance'],
                                               op['error']))
    if report.get('drains'):
        lines += ['', 'Host drains (purpose evacuate-host; time on the %s '
                  'clock)' % report['clock']]
        lines.append(table(DRAIN_HEADERS, drain_rows(report)))
        for drain in report['drains']:
            if drain['error']:
                lines.append('  step %d drain of %s: %s' % (
                    drain['step'], drain['host'], drain['error']))
    lines += ['', 'Expectations']
    unmet = report['expectations']
    lines.append('  all met' if not unmet else '\n'.join(
        '  NOT MET: ' + u for u in unmet))
    lines += ['', 'Consistency audit (guests on the hypervisors, Placement '
                  'allocations, claims, migration contexts, vPMEM '
                  'namespaces)']
    problems = report['audit']['problems']
    lines.append('  clean' if not problems else '\n'.join(
        '  PROBLEM: ' + p for p in problems))
    cleanup = report.get('placement_cleanup') or {}
    for problem in cleanup.get('problems') or []:
        lines += ['', 'PROBLEM: ' + problem]
    if report.get('output'):
        lines += ['', 'Results written to %s' % report['output']]
    return '\n'.join(lines)
