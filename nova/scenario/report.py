"""The end of a run: summary table, expectations, audit, JSON, timelines."""

import json
import os

from nova.scenario import timeline

_ACTION_WORDS = {
    'start-postcopy': 'post-copy',
    'pause': 'paused',
    'abort': 'aborted by monitor',
    'force-complete-requested': 'force-complete',
    'force-complete-refused': 'force-complete refused',
    'abort-requested': 'abort requested',
    'abort-refused': 'abort refused',
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


HEADERS = ['instance', 'move', 'source -> destination', 'policy', 'result',
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
    return unmet


def write_timelines(report, output_dir):
    """One PNG per live migration that ran; paths are put in the report."""
    for op in report['operations']:
        if op['kind'] != 'live-migration' or not op['samples']:
            continue
        name = 'step%02d-%s.png' % (op['step'], op['instance'])
        op['timeline'] = timeline.write_png(
            os.path.join(output_dir, name),
            'step %d: %s %s -> %s (%s, %s)' % (
                op['step'], op['instance'], op['source'], op['dest'],
                op['policy'], op['result']),
            op['samples'], op['actions'], clock=report['clock'])


def write_json(report, path):
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
        handle.write('\n')
    return path


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
    if report.get('output'):
        lines += ['', 'Results written to %s' % report['output']]
    return '\n'.join(lines)
