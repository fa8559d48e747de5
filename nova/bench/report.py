"""The benchmark's outputs: one JSON document, a markdown report, charts.

Everything here depends only on the runs' numbers, which are the same
every time; how long the run took goes elsewhere (``timing.json`` and
stderr).
"""

import json
import os

from nova.bench import matrix
from nova.bench import targets
from nova.virt import sla

JSON_FILE = 'report.json'
MARKDOWN_FILE = 'report.md'
CHARTS = ('success.png', 'time-ratio.png')


def document(mode, cases, policies, summary, details, records, lines):
    """The JSON document (``--format json`` prints exactly this)."""
    return {
        'benchmark': {
            'mode': mode, 'cases': len(cases),
            'classes': _classes(cases),
            'policies': ['oracle'] + [p.name for p in policies],
            'tiers': {name: sla.limits(name).as_dict()
                      for name in sla.TIER_NAMES},
        },
        'summary': summary,
        'details': details,
        'policies': [{'name': p.name, 'title': p.title, 'source': p.source,
                      'libvirt_opts': dict(p.libvirt_opts),
                      'max_concurrent': p.max_concurrent,
                      'knows_sla': p.knows_sla}
                     for p in policies],
        'cases': [_case(case, record) for case, record in
                  zip(cases, records)],
        'findings': lines,
        'targets': targets.evaluate(summary, records),
    }


def _classes(cases):
    found = []
    for case in cases:
        if case.klass not in found:
            found.append(case.klass)
    return found


def _case(case, record):
    return {
        'name': case.name, 'class': case.klass, 'link': case.link_name,
        'bandwidth_mbps': round(case.bandwidth_mbps, 3),
        'bound_s': round(case.bound_s(), 3), 'note': case.note,
        'purpose': case.purpose,
        'guests': [{'name': g.name, 'kind': g.kind, 'ram_gib': g.ram_gib,
                    'vcpus': g.vcpus, 'workload': g.workload,
                    'phases': len(g.phases), 'disk_gb': g.disk_gb,
                    'block': g.block, 'tier': g.tier,
                    'limits': case.limits(g).as_dict(),
                    'description': matrix.describe(g)}
                   for g in case.guests],
        'runs': record['runs'],
    }


def write_json(doc, output):
    path = os.path.join(output, JSON_FILE)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(doc, handle, indent=2, sort_keys=True)
        handle.write('\n')
    return path


def _fmt(value, fmt='%.2f'):
    return '-' if value is None else fmt % value


def _grid(doc, cell):
    """Rows of policy x class cells."""
    classes = doc['benchmark']['classes']
    by_key = {(r['policy'], r['class']): r for r in doc['summary']}
    rows = []
    for name in doc['benchmark']['policies']:
        rows.append([name] + [cell(by_key[(name, k)]) for k in classes])
    return ['policy'] + classes, rows


def success_cell(row):
    text = '%d/%d' % (row['completed'], row['cases'])
    if row['lost']:
        text += ' L%d' % row['lost']
    if row['over_limit']:
        text += ' O%d' % row['over_limit']
    return text


def text_table(header, rows):
    widths = [max(len(str(x)) for x in column)
              for column in zip(header, *rows)]
    fmt = '  '.join('%%-%ds' % w for w in widths)
    lines = [fmt % tuple(header), '  '.join('-' * w for w in widths)]
    lines += [(fmt % tuple(row)).rstrip() for row in rows]
    return '\n'.join(lines)


def markdown_table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' for _ in header) + '|']
    lines += ['| ' + ' | '.join(str(x) for x in row) + ' |' for row in rows]
    return '\n'.join(lines)


def tier_lines(doc):
    """The tiers' limits, one line each."""
    return ['  %-7s downtime %5d ms, stop %5d ms, throttle %2d %%, '
            'post-copy %s, pause %s' % (
                name, t['downtime_ms'], t['stop_ms'], t['throttle_pct'],
                t['post_copy'], 'yes' if t['pause'] else 'no')
            for name, t in sorted(doc['benchmark']['tiers'].items(),
                                  key=lambda i: sla.TIER_NAMES.index(i[0]))]


def text(doc):
    """What ``--format text`` prints."""
    parts = ['Live-migration benchmark (%s run, %d cases): completed/cases '
             '(L lost, O outside the guests\' limits)' % (
                 doc['benchmark']['mode'], doc['benchmark']['cases'])]
    parts.append(text_table(*_grid(doc, success_cell)))
    parts.append('\nMedian total time / oracle\'s')
    parts.append(text_table(*_grid(
        doc, lambda r: _fmt(r['median_time_ratio_oracle']))))
    parts.append('\nMedian total time / one-pass bound')
    parts.append(text_table(*_grid(
        doc, lambda r: _fmt(r['median_time_ratio_bound']))))
    if doc['targets']:
        parts.append('\nTargets (the project\'s policy)')
        parts += ['  ' + line for line in targets.lines(doc['targets'])]
    if doc['findings']:
        parts.append('\nWhere the project\'s policy loses')
        parts += ['  ' + line for line in doc['findings']]
    parts.append('\nSLA tiers (the guests\' limits; rebalance: no '
                 'throttle, post-copy or pause)')
    parts += tier_lines(doc)
    return '\n'.join(parts)


def markdown(doc):
    bench = doc['benchmark']
    out = ['# Live-migration benchmark (%s run)' % bench['mode'], '',
           '%d cases, classes %s; every migration through the driver and '
           'monitor loop on the simulator, same numbers every run.  See '
           'doc/source/admin/live-migration-benchmark.rst for the method.'
           % (bench['cases'], ', '.join(bench['classes'])), '',
           '## Success per class', '',
           'completed/cases; L: guests lost, O: completed outside the '
           'guest\'s limits (its SLA tier, narrowed by the purpose).', '',
           markdown_table(*_grid(doc, success_cell)), '',
           '## Median total time / oracle', '',
           markdown_table(*_grid(doc, lambda r: _fmt(
               r['median_time_ratio_oracle']))), '',
           '## Median total time / one-pass bound', '',
           markdown_table(*_grid(doc, lambda r: _fmt(
               r['median_time_ratio_bound']))), '']
    if doc['targets']:
        out += ['## Targets', '', '```']
        out += targets.lines(doc['targets'])
        out += ['```', '']
    if doc['findings']:
        out += ['## Where the project\'s policy loses', '']
        out += ['- ' + line for line in doc['findings']]
        out.append('')
    out += ['## SLA tiers', '', '```'] + tier_lines(doc) + ['```', '']
    out += ['## Details per class', '']
    header = ['policy', 'ok', 'aborted', 'lost', 'over (why)',
              'ratio bound', 'ratio oracle', 'downtime ms', 'stop ms (max)',
              'bytes/bound', 'throttled vCPU-s', 'blocktime s', 'switched',
              'gave up after s']
    for klass in bench['classes']:
        rows = [[d['policy'], d['completed'], d['aborted'], d['lost'],
                 '%d %s' % (d['over_limit'], _why(d['violations'])),
                 _fmt(d['median_time_ratio_bound']),
                 _fmt(d['median_time_ratio_oracle']),
                 _fmt(d['median_downtime_ms'], '%d'),
                 '%s (%s)' % (_fmt(d['median_stop_ms'], '%d'),
                              _fmt(d['max_stop_ms'], '%d')),
                 _fmt(d['median_bytes_ratio']),
                 _fmt(d['median_throttled_vcpu_s'], '%.1f'),
                 _fmt(d['median_blocktime_s'], '%.1f'), d['switched'],
                 _fmt(d['median_give_up_s'], '%.0f')]
                for d in doc['details'] if d['class'] == klass]
        out += ['### Class %s' % klass, '', markdown_table(header, rows), '']
    out += ['## Policies', '']
    out += ['- `%s`: %s (%s); at most %d at once per host' % (
        p['name'], p['title'], p['source'], p['max_concurrent'])
        for p in doc['policies']]
    out += ['', '## Cases', '']
    for case in doc['cases']:
        oracle = case['runs']['oracle']['guests']
        out.append('- `%s` (%s, %s, %.0f MiB/s, bound %.0f s%s): %s; '
                   'oracle: %s'
                   % (case['name'], case['purpose'], case['link'],
                      case['bandwidth_mbps'], case['bound_s'],
                      ', ' + case['note'] if case['note'] else '',
                      '; '.join(g['description'] for g in case['guests'][:3])
                      + (' ...' if len(case['guests']) > 3 else ''),
                      oracle[0].get('strategy', '-')))
    return '\n'.join(out) + '\n'


def _why(counts):
    return '(%s)' % ', '.join('%s %d' % item for item in sorted(
        counts.items())) if counts else ''


def write_markdown(doc, output):
    path = os.path.join(output, MARKDOWN_FILE)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(markdown(doc))
    return path


def write_charts(doc, output):
    """success.png and time-ratio.png: per class, one bar per policy."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot

    classes = doc['benchmark']['classes']
    names = doc['benchmark']['policies']
    by_key = {(r['policy'], r['class']): r for r in doc['summary']}
    width = 0.85 / len(names)
    paths = []
    for filename, title, value, log in (
            (CHARTS[0], 'Completed within the guests\' limits (share)',
             lambda r: r['completed'] / float(r['cases']), False),
            (CHARTS[1], 'Median total time / oracle (log; no bar: none '
             'completed)', lambda r: r['median_time_ratio_oracle'], True)):
        fig, ax = pyplot.subplots(figsize=(15, 5.5))
        cmap = pyplot.get_cmap('tab10')
        for index, name in enumerate(names):
            xs, ys = [], []
            for position, klass in enumerate(classes):
                v = value(by_key[(name, klass)])
                if v is not None:
                    xs.append(position + (index - len(names) / 2.0) * width
                              + width / 2)
                    ys.append(max(v, 1e-3) if log else v)
            ax.bar(xs, ys, width, label=name, color=cmap(index % 10))
        ax.set_xticks(range(len(classes)))
        ax.set_xticklabels(classes)
        ax.set_xlabel('workload class')
        ax.set_title(title)
        if log:
            ax.set_yscale('log')
            ax.axhline(1.0, color='black', linewidth=0.8)
        else:
            ax.set_ylim(0, 1.05)
        ax.legend(fontsize='small', ncol=5, loc='upper center',
                  bbox_to_anchor=(0.5, -0.12))
        fig.tight_layout()
        path = os.path.join(output, filename)
        fig.savefig(path, dpi=90, metadata={'Software': None})
        pyplot.close(fig)
        paths.append(path)
    return paths
