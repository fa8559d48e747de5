"""From runs to numbers: per case, then per policy and class.

Each guest's migration ends as one of: ``completed`` (within the guest's
limits: its SLA tier as the case's purpose narrows it), ``over_limit``
(completed, but outside them: stopped or switched over too long,
throttled too far, post-copied or paused where they forbid it),
``aborted`` (the guest stays on the source: aborted, failed or never
started) or ``lost`` (the guest runs nowhere: a broken post-copy,
including one left paused).  ``cases = completed + over_limit + aborted +
lost``.

Time ratios: a single migration's total time to its one-pass bound
((RAM - zero pages + disk) / nominal bandwidth) and to the oracle's time
for the same case; a drain's time (until its last migration ended, in
success or not) to the link bound (all bytes / bandwidth) and to the
oracle's drain.  Medians are over the successful migrations (drains: over
all drains); ``None`` when there is none.
"""

import statistics

from nova.bench import simenv

SUMMARY_KEYS = ('policy', 'class', 'cases', 'completed', 'lost',
                'over_limit', 'median_time_ratio_bound',
                'median_time_ratio_oracle')


def _round(value, digits=3):
    return None if value is None else round(value, digits)


def _median(values):
    values = [v for v in values if v is not None]
    return _round(statistics.median(values)) if values else None


def drain_time(results):
    return max(r['end_s'] for r in results)


def case_metrics(case, results, oracle_results):
    """Per guest metrics of one policy on one case, ratios included."""
    rows = []
    oracle = {r['guest']: r for r in oracle_results}
    drain = oracle_drain = None
    if case.drain:
        drain = drain_time(results)
        oracle_drain = drain_time(oracle_results)
    for guest, result in zip(case.guests, results):
        row = dict(result)
        bound = guest.bytes_bound_mb() / case.bandwidth_mbps
        done = result['outcome'] == simenv.COMPLETED
        reference = oracle.get(guest.name, {})
        row['ratio_bound'] = (_round(result['total_time_s'] / bound)
                              if done else None)
        row['ratio_oracle'] = None
        if done and reference.get('outcome') == simenv.COMPLETED:
            row['ratio_oracle'] = _round(result['total_time_s'] /
                                         reference['total_time_s'])
        row['bytes_ratio'] = _round(result['bytes_moved'] / (
            guest.bytes_bound_mb() * 1024 * 1024))
        rows.append(row)
    extra = {}
    if case.drain:
        extra = {'drain_time_s': _round(drain),
                 'drain_ratio_bound': _round(drain / case.bound_s()),
                 'drain_ratio_oracle': _round(drain / oracle_drain)
                 if oracle_drain else None}
    return rows, extra


def aggregate(policy, klass, entries):
    """(summary row, detail row) of one policy over one class.

    ``entries`` is [(case, rows, extra)] for the cases of the class.
    """
    rows = [row for _case, case_rows, _extra in entries
            for row in case_rows]
    counts = {outcome: sum(1 for r in rows if r['outcome'] == outcome)
              for outcome in simenv.OUTCOMES}
    moved = [r for r in rows
             if r['outcome'] in (simenv.COMPLETED, simenv.OVER_LIMIT)]
    if klass == 'H':
        ratio_bound = _median([e['drain_ratio_bound']
                               for _c, _r, e in entries])
        ratio_oracle = _median([e['drain_ratio_oracle']
                                for _c, _r, e in entries])
    else:
        ratio_bound = _median([r['ratio_bound'] for r in rows])
        ratio_oracle = _median([r['ratio_oracle'] for r in rows])
    summary = {
        'policy': policy, 'class': klass, 'cases': len(rows),
        'completed': counts[simenv.COMPLETED],
        'lost': counts[simenv.LOST],
        'over_limit': counts[simenv.OVER_LIMIT],
        'median_time_ratio_bound': ratio_bound,
        'median_time_ratio_oracle': ratio_oracle,
    }
    detail = dict(summary, aborted=counts[simenv.ABORTED])
    detail.update(
        median_total_time_s=_median([r['total_time_s'] for r in rows
                                     if r['outcome'] == simenv.COMPLETED]),
        median_downtime_ms=_median([r['downtime_ms'] for r in moved]),
        median_stop_ms=_median([r['stop_ms'] for r in moved]),
        max_stop_ms=max([r['stop_ms'] for r in moved], default=None),
        median_bytes_ratio=_median([r['bytes_ratio'] for r in moved]),
        median_throttled_vcpu_s=_median([r['throttled_vcpu_s']
                                         for r in moved]),
        median_blocktime_s=_median([r['blocktime_s'] for r in moved]),
        switched=sum(1 for r in rows if r.get('switch')),
        violations=_violation_counts(rows),
        median_give_up_s=_median([r['total_time_s'] for r in rows
                                  if r['outcome'] == simenv.ABORTED]))
    if klass == 'H':
        detail['median_drain_time_s'] = _median(
            [e['drain_time_s'] for _c, _r, e in entries])
    return summary, detail


def _violation_counts(rows):
    """{kind: migrations} of what completed migrations did beyond their
    limits (stop, downtime, throttle, post-copy, paused).
    """
    counts = {}
    for row in rows:
        if row['outcome'] != simenv.OVER_LIMIT:
            continue
        for text in row.get('violations', ()):
            kind = text.split()[0]
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def tables(cases, runs, policy_names):
    """(summary rows, detail rows, per-case records).

    ``runs`` is {(case name, policy name): run} with the oracle's runs
    under the policy name 'oracle'.
    """
    summary, details, records = [], [], []
    per_class = {}
    for case in cases:
        oracle_results = runs[(case.name, 'oracle')]['results']
        record = {'case': case.name, 'class': case.klass, 'runs': {}}
        for name in policy_names:
            rows, extra = case_metrics(case, runs[(case.name, name)][
                'results'], oracle_results)
            per_class.setdefault((name, case.klass), []).append(
                (case, rows, extra))
            record['runs'][name] = dict(extra, guests=rows)
        records.append(record)
    classes = []
    for case in cases:
        if case.klass not in classes:
            classes.append(case.klass)
    for name in policy_names:
        for klass in classes:
            row, detail = aggregate(name, klass, per_class[(name, klass)])
            summary.append(row)
            details.append(detail)
    return summary, details, records


def _times(ratio):
    return 'none completed' if ratio is None else '%.1fx oracle' % ratio


def findings(summary, project='project'):
    """Plain sentences: where a reference does better than the project."""
    lines = []
    by_key = {(r['policy'], r['class']): r for r in summary}
    classes = []
    for row in summary:
        if row['class'] not in classes:
            classes.append(row['class'])
    for klass in classes:
        mine = by_key.get((project, klass))
        if mine is None:
            continue
        better = []
        for row in summary:
            if row['class'] != klass or row['policy'] in (project,
                                                          'oracle'):
                continue
            more = row['completed'] > mine['completed']
            faster = (row['completed'] == mine['completed'] and
                      row['median_time_ratio_oracle'] is not None and
                      mine['median_time_ratio_oracle'] is not None and
                      row['median_time_ratio_oracle'] <
                      0.9 * mine['median_time_ratio_oracle'])
            if more or faster:
                better.append('%s (%d/%d, %s)' % (
                    row['policy'], row['completed'], row['cases'],
                    _times(row['median_time_ratio_oracle'])))
        if better:
            lines.append('%s: %s completes %d/%d (%s); better: %s' % (
                klass, project, mine['completed'], mine['cases'],
                _times(mine['median_time_ratio_oracle']),
                '; '.join(better)))
        if mine['lost'] or mine['over_limit']:
            lines.append('%s: %s lost %d guest(s), %d outside their '
                         'limits' % (klass, project, mine['lost'],
                                     mine['over_limit']))
    return lines
