"""PNG timeline of one live migration.

The figure has two stacked plots sharing the time axis: the data still to
copy (with post-copy and paused pre-copy phases shaded and the monitor's
and the scenario's decisive actions as vertical lines) on top, and the
downtime target with the auto-converge CPU throttle below.

Only the object-oriented matplotlib API with the Agg canvas is used, never
pyplot, so figures can be drawn from several threads and no global state is
left behind.
"""

from matplotlib.backends import backend_agg
from matplotlib import figure

MIB = 1024 * 1024
CLOCK_LABELS = {
    'virtual': 'time since start (s, simulated clock)',
    'real': 'time since start (s, wall clock)',
}
# Shaded phases: phase -> (legend label, colour).
PHASE_SPANS = {
    'POSTCOPY': ('post-copy', '#ffd8a8'),
    'PAUSED_PRECOPY': ('guest paused (pre-copy)', '#dddddd'),
}
# Vertical markers: action -> (legend label, colour, line style).
MARKERS = {
    'start-postcopy': ('post-copy switch', 'tab:orange', '-'),
    'pause': ('guest paused', 'tab:purple', '--'),
    'abort': ('abort', 'tab:red', '-'),
    'force-complete-requested': ('force-complete requested', 'tab:green',
                                 ':'),
    'abort-requested': ('abort requested', 'tab:red', ':'),
}
FAULT_STYLE = ('black', '-.')
OTHER_STYLE = ('tab:gray', ':')


def _marker_style(action):
    if action in MARKERS:
        return MARKERS[action]
    if action.startswith('fault:'):
        return ('fault: %s' % action[len('fault:'):],) + FAULT_STYLE
    return (action,) + OTHER_STYLE


def _phase_runs(samples):
    """Yield (phase, start, end) for each run of samples in one phase.

    A run lasts until the first sample of the next run (or the last sample).
    """
    start = 0
    for i in range(1, len(samples) + 1):
        if (i == len(samples) or
                samples[i]['phase'] != samples[start]['phase']):
            end = samples[min(i, len(samples) - 1)]['time_s']
            yield samples[start]['phase'], samples[start]['time_s'], end
            start = i


def _point_marker(times):
    """Mark the points when they would not draw a visible line."""
    return 'o' if max(times) == min(times) else None


def _x_limits(samples, actions):
    times = ([s['time_s'] for s in samples] +
             [a['time_s'] for a in actions])
    if not times:
        return 0.0, 1.0
    low, high = min(times), max(times)
    if high - low <= 0:
        return low - 0.5, high + 0.5
    pad = (high - low) * 0.01
    return low - pad, high + pad


def _legend(*axes):
    """Put one legend of the labels of ``axes`` (each once) on the last."""
    seen = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    if seen:
        axes[-1].legend(list(seen.values()), list(seen.keys()),
                        loc='upper left', bbox_to_anchor=(1.08, 1),
                        borderaxespad=0, fontsize='x-small')


def _draw_top(ax, samples, actions):
    ax.set_ylabel('data remaining (MiB)')
    if not samples:
        ax.text(0.5, 0.5, 'no samples', transform=ax.transAxes,
                ha='center', va='center', fontsize='large', color='gray')
    else:
        times = [s['time_s'] for s in samples]
        marker = _point_marker(times)
        ax.plot(times, [s['data_total'] / MIB for s in samples],
                color='tab:blue', linestyle='--', linewidth=1, alpha=0.4,
                label='data total')
        ax.plot(times, [s['data_remaining'] / MIB for s in samples],
                color='tab:blue', linewidth=1.5, label='data remaining',
                marker=marker)
        for phase, start, end in _phase_runs(samples):
            if phase in PHASE_SPANS:
                label, colour = PHASE_SPANS[phase]
                ax.axvspan(start, end, color=colour, alpha=0.6, zorder=0,
                           linewidth=0, label=label)
        ax.set_ylim(bottom=0)
    for action in actions:
        if action['action'] == 'set-downtime':
            continue
        label, colour, style = _marker_style(action['action'])
        ax.axvline(action['time_s'], color=colour, linestyle=style,
                   linewidth=1.2, label=label)
    _legend(ax)


def _draw_bottom(ax, samples, actions):
    ax.set_ylabel('downtime target (ms)')
    for action in actions:
        if action['action'] == 'set-downtime':
            continue
        _label, colour, style = _marker_style(action['action'])
        ax.axvline(action['time_s'], color=colour, linestyle=style,
                   linewidth=1.2)
    if not samples:
        return
    times = [s['time_s'] for s in samples]
    downtime = [s['downtime_target_ms'] for s in samples]
    ax.step(times, downtime, where='post', color='tab:green',
            label='downtime target (ms)', marker=_point_marker(times))
    # Keep a readable scale while the target is still 0 (no step yet).
    ax.set_ylim(0, max(max(downtime) * 1.1, 10))
    twin = ()
    throttle = [s['throttle'] for s in samples]
    if any(t > 0 for t in throttle):
        right = ax.twinx()
        right.step(times, throttle, where='post', color='tab:red',
                   linewidth=1, label='auto-converge throttle (%)')
        right.set_ylim(0, 100)
        right.set_ylabel('throttle (%)')
        twin = (right,)
    else:
        ax.text(0.01, 0.92, 'no throttling', transform=ax.transAxes,
                ha='left', va='top', fontsize='small', color='gray')
    _legend(ax, *twin)


def build_figure(title, samples, actions, clock='virtual'):
    """Return the timeline Figure (on an Agg canvas) ``write_png`` saves."""
    if clock not in CLOCK_LABELS:
        raise ValueError('clock must be one of %s, not %r'
                         % (', '.join(sorted(CLOCK_LABELS)), clock))
    samples = list(samples or ())
    actions = list(actions or ())
    fig = figure.Figure(figsize=(10, 6), dpi=100, layout='constrained')
    backend_agg.FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True,
                               gridspec_kw={'height_ratios': [3, 2]})
    _draw_top(top, samples, actions)
    _draw_bottom(bottom, samples, actions)
    top.set_xlim(*_x_limits(samples, actions))
    bottom.set_xlabel(CLOCK_LABELS[clock])
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
    fig.suptitle(title)
    return fig


def write_png(path, title, samples, actions, clock='virtual'):
    """Write the timeline PNG to ``path``; returns ``path``."""
    fig = build_figure(title, samples, actions, clock)
    fig.savefig(path, format='png', dpi=100)
    return path
