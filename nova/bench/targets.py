"""The targets the project's policy is held to (issue 13), checked.

Per class, for the ``project`` row:

``success``
    It completes (within the guests' limits) at least as many migrations
    as the best reference policy, and every one the oracle completes.
``time``
    Its median total time is within 1.2 times the oracle's (the median
    of its per-migration ratios; for a drain, of its drain times).
``lost``
    It loses no guest (over the whole matrix).
``limits``
    No migration it completes goes outside the guest's limits (downtime,
    guest-visible stop, throttle, post-copy, pause).
``drain`` (class H)
    Every drain ends within 1.2 times the link bound (all bytes over the
    link at its nominal bandwidth).

Each check is a row: the target, the class, met or not, the value and
what was compared; the report prints them (``met`` / ``NOT met``).
"""

from nova.bench import simenv

TIME_FACTOR = 1.2
DRAIN_FACTOR = 1.2


def _row(target, klass, met, value, detail):
    return {'target': target, 'class': klass, 'met': bool(met),
            'value': value, 'detail': detail}


def _oracle_misses(records, klass, project):
    """Guests the oracle completes and the project does not."""
    missed = []
    for record in records:
        if record['class'] != klass:
            continue
        oracle = record['runs']['oracle']['guests']
        mine = {g['guest']: g for g in record['runs'][project]['guests']}
        for guest in oracle:
            if guest['outcome'] != simenv.COMPLETED:
                continue
            if mine[guest['guest']]['outcome'] != simenv.COMPLETED:
                missed.append('%s/%s' % (record['case'], guest['guest']))
    return missed


def evaluate(summary, records, project='project'):
    """The target rows, class by class (an empty list without the
    project's rows).
    """
    by_key = {(r['policy'], r['class']): r for r in summary}
    classes = []
    for row in summary:
        if row['class'] not in classes:
            classes.append(row['class'])
    rows = []
    lost = 0
    for klass in classes:
        mine = by_key.get((project, klass))
        if mine is None:
            continue
        lost += mine['lost']
        refs = [r for r in summary if r['class'] == klass
                and r['policy'] not in (project, 'oracle')]
        best = max(refs, key=lambda r: r['completed'], default=None)
        missed = _oracle_misses(records, klass, project)
        best_text = ('best reference %s %d/%d' % (
            best['policy'], best['completed'], best['cases'])
            if best else 'no reference')
        rows.append(_row(
            'success', klass,
            (best is None or mine['completed'] >= best['completed'])
            and not missed,
            '%d/%d' % (mine['completed'], mine['cases']),
            '%s; oracle completes %d%s' % (
                best_text, by_key[('oracle', klass)]['completed'],
                ', missed: %s' % ', '.join(missed) if missed else '')))
        ratio = mine['median_time_ratio_oracle']
        rows.append(_row(
            'time', klass, ratio is None or ratio <= TIME_FACTOR,
            ratio, 'median total time / oracle\'s (<= %.1f); / one-pass '
            'bound %s' % (TIME_FACTOR, mine['median_time_ratio_bound'])))
        rows.append(_row(
            'limits', klass, mine['over_limit'] == 0, mine['over_limit'],
            'completed outside the guests\' limits'))
        if klass == 'H':
            drains = [(r['case'], r['runs'][project]['drain_ratio_bound'])
                      for r in records if r['class'] == 'H']
            worst = max((ratio for _c, ratio in drains), default=None)
            rows.append(_row(
                'drain', klass,
                worst is not None and worst <= DRAIN_FACTOR, worst,
                'drain time / link bound (<= %.1f): %s' % (
                    DRAIN_FACTOR, ', '.join('%s %.2f' % d for d in drains))))
    if rows:
        rows.append(_row('lost', 'all', lost == 0, lost,
                         'guests lost over the whole matrix'))
    return rows


def lines(rows):
    """One text line per target row."""
    out = []
    for row in rows:
        value = row['value']
        if isinstance(value, float):
            value = '%.2f' % value
        out.append('%-7s %-3s %-7s %-8s %s' % (
            row['target'], row['class'], 'met' if row['met'] else 'NOT met',
            '-' if value is None else value, row['detail']))
    return out
