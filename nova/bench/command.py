"""The ``bench`` command: run the matrix, write and print the results.

Runs are independent (a fresh simulated world each), so they are spread
over worker processes; each run is deterministic, so the results do not
depend on how they were spread.  A progress bar goes to stderr; stdout
carries the summary only (``--format json``: exactly one JSON document).
"""

import json
import multiprocessing
import os
import signal
import sys
import time

from nova.bench import harness
from nova.bench import matrix
from nova.bench import metrics
from nova.bench import oracle
from nova.bench import policies
from nova.bench import report

DEFAULT_OUTPUT = 'live-migration-bench'
TIMING_FILE = 'timing.json'

# Set before the worker processes fork: they read the cases from here.
_CASES = []


class ProgressBar(object):
    """``[#####-----]  37/150  12 s  oracle C-8G-1GbE`` on stderr.

    Redrawn in place on a terminal; elsewhere a line every tenth.
    """

    WIDTH = 30

    def __init__(self, total, stream=None, interactive=None):
        self.total = max(1, total)
        self.done = 0
        self.stream = stream or sys.stderr
        self.interactive = (self.stream.isatty() if interactive is None
                            else interactive)
        self.started = time.monotonic()
        self._last_tenth = -1

    def line(self, label=''):
        filled = int(self.WIDTH * self.done / self.total)
        return '[%s%s] %4d/%d %5.0f s  %s' % (
            '#' * filled, '-' * (self.WIDTH - filled), self.done,
            self.total, time.monotonic() - self.started, label)

    def advance(self, label=''):
        self.done += 1
        if self.interactive:
            self.stream.write('\r\x1b[K' + self.line(label)[:150])
            if self.done >= self.total:
                self.stream.write('\n')
        else:
            tenth = 10 * self.done // self.total
            if tenth != self._last_tenth:
                self._last_tenth = tenth
                self.stream.write(self.line(label) + '\n')
        self.stream.flush()


def _run_task(task):
    """One run in a worker: (case index, policy name) -> its results."""
    index, name = task
    case = _CASES[index]
    if name == policies.ORACLE:
        run = oracle.search(case)
    else:
        run = harness.run(case, policies.get(name))
    return index, name, run


def _cost_guess(case):
    """Rough real cost of a case, to start the longest runs first."""
    return sum(g.ram_gib + (g.disk_gb if g.block else 0)
               for g in case.guests) / case.bandwidth_mbps


def execute(cases, names, jobs=1, progress=None):
    """{(case name, policy name): run} for every case under every policy
    (and the oracle), spread over ``jobs`` processes.
    """
    global _CASES
    _CASES = list(cases)
    order = sorted(range(len(cases)), key=lambda i: -_cost_guess(cases[i]))
    tasks = [(i, name) for i in order
             for name in [policies.ORACLE] + list(names)]
    runs = {}

    def collect(result):
        index, name, run = result
        runs[(cases[index].name, name)] = run
        if progress is not None:
            progress.advance('%s %s' % (name, cases[index].name))
    if jobs <= 1:
        for task in tasks:
            collect(_run_task(task))
        return runs
    context = multiprocessing.get_context('fork')
    with context.Pool(jobs, initializer=_worker_signals) as pool:
        for result in pool.imap_unordered(_run_task, tasks, chunksize=1):
            collect(result)
    return runs


def _worker_signals():
    """Workers die on SIGTERM (the pool's terminate) and leave SIGINT
    to the parent: a fork inherits the command's handlers, which turn the
    first SIGTERM into an exception a worker waiting for its next task
    does not survive cleanly -- the pool then waited forever for it.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_jobs():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def main(args):
    """The command; returns the exit status."""
    names = args.policy or policies.names()
    unknown = [n for n in names if n not in policies.names()]
    if unknown:
        print('ERROR: unknown policy %r; known: %s' % (
            unknown[0], ', '.join(policies.names())), file=sys.stderr)
        return 2
    cases = matrix.build(quick=args.quick,
                         classes=args.klass or matrix.CLASSES)
    output = os.path.abspath(args.output)
    os.makedirs(output, exist_ok=True)
    progress = ProgressBar(len(cases) * (len(names) + 1))
    started = time.monotonic()
    runs = execute(cases, names, jobs=args.jobs or default_jobs(),
                   progress=progress)
    wall = time.monotonic() - started
    chosen = [policies.get(n) for n in names]
    all_names = [policies.ORACLE] + list(names)
    summary, details, records = metrics.tables(cases, runs, all_names)
    doc = report.document('quick' if args.quick else 'full', cases, chosen,
                          summary, details, records,
                          metrics.findings(summary))
    report.write_json(doc, output)
    report.write_markdown(doc, output)
    report.write_charts(doc, output)
    timing = _timing(runs, wall, args)
    with open(os.path.join(output, TIMING_FILE), 'w') as handle:
        json.dump(timing, handle, indent=2, sort_keys=True)
    print('bench: %d runs in %.1f s wall (%d processes); simulator %.0f '
          'simulated s per real s (%.0f simulated s in %.1f s of runs); '
          'results in %s' % (
              timing['runs'], wall, timing['processes'],
              timing['speed_sim_s_per_real_s'], timing['simulated_s'],
              timing['run_real_s'], output), file=sys.stderr)
    if args.format == 'json':
        print(json.dumps(doc, indent=2, sort_keys=True))
    else:
        print(report.text(doc))
    return 0


def _timing(runs, wall, args):
    simulated = sum(r['simulated_s'] for r in runs.values())
    real = sum(r['real_s'] for r in runs.values())
    return {'runs': len(runs), 'wall_s': round(wall, 1),
            'processes': args.jobs or default_jobs(),
            'simulated_s': round(simulated, 1), 'run_real_s': round(real, 1),
            'speed_sim_s_per_real_s': round(simulated / real, 0)
            if real else None}
