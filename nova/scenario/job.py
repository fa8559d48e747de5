"""The ``run`` job from a checked scenario to written results."""

import os
import tempfile

from oslo_log import log as logging

import nova.conf
from nova.db import api as db_api
from nova.db import migration as db_migration
from nova import deployment
from nova import exception
from nova.scenario import interrupt
from nova.scenario import placement_guard
from nova.scenario import report as scenario_report
from nova.scenario import runner
from nova.scenario import schema

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
RESULTS_FILE = 'results.json'


class Output(object):
    """The ``--output`` directory: checked before the run starts, and
    filled all at once at its end (see report.write_outputs).
    """

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.created = False
        self.written = False

    def _refuse(self, reason):
        raise exception.OutputUnusable(path=self.path, reason=reason)

    def prepare(self):
        """Create the directory if needed and make sure files can be
        written in it; OutputUnusable otherwise.
        """
        if os.path.lexists(self.path) and not os.path.isdir(self.path):
            self._refuse('it exists and is not a directory')
        if not os.path.isdir(self.path):
            try:
                os.makedirs(self.path)
            except OSError as exc:
                self._refuse('it cannot be created: %s' % (
                    exc.strerror or exc))
            self.created = True
        try:
            handle, probe = tempfile.mkstemp(prefix='.probe-', dir=self.path)
            os.close(handle)
            os.unlink(probe)
        except OSError as exc:
            self.discard()
            self._refuse('no file can be written in it: %s' % (
                exc.strerror or exc))

    def mark_written(self):
        self.written = True

    def discard(self):
        """Remove the directory if this run created it and wrote nothing
        there.
        """
        if self.created and not self.written:
            try:
                os.rmdir(self.path)
            except OSError:
                pass  # not empty: someone else put something there


def prepare_database():
    """A fresh in-memory database at the newest schema for this run.

    Every run starts from an empty cloud; the results stay in the output
    directory (results.json), not in a database.
    """
    CONF.set_override('connection', 'sqlite://', group='database')
    engine = db_api.context_manager.writer.get_engine()
    with engine.begin() as connection:
        db_migration.upgrade(connection)


def unbounded_hosts(scenario):
    """Hosts whose monitor never ends a migration on its own: both
    ``live_migration_completion_timeout`` and
    ``live_migration_progress_timeout`` are 0.
    """
    names = []
    for name, spec in sorted(scenario['hosts'].items()):
        conf = deployment.host_conf(spec.get('libvirt'))
        if not (conf.libvirt.live_migration_completion_timeout or
                conf.libvirt.live_migration_progress_timeout):
            names.append(name)
    return names


def _give_back(report_client, snapshot):
    with interrupt.deferred():
        return placement_guard.remove_created(report_client, snapshot)


def execute(scenario, ctxt, report_client, display, output):
    """Run ``scenario``; write timelines and results.json to ``output``
    (an Output, or a directory path); returns the report dict.

    Placement must hold no resource provider when the run starts, and
    what the run created there is removed when it ends, however it ends.
    """
    if not isinstance(output, Output):
        output = Output(output)
        output.prepare()
    snapshot = placement_guard.check_empty(report_client)
    hosts = unbounded_hosts(scenario)
    if hosts:
        LOG.warning(
            'Host(s) %s have both live_migration_completion_timeout and '
            'live_migration_progress_timeout at 0: their migrations end '
            'only at the scenario\'s migration_time_limit (%s s)',
            ', '.join(hosts), scenario.get(
                'migration_time_limit', schema.DEFAULT_MIGRATION_TIME_LIMIT))
    try:
        # SIGINT/SIGTERM: the runner aborts a running migration the normal
        # way and stops before its next boot or step (see interrupt).
        with interrupt.cooperative():
            report = runner.Runner(scenario, ctxt, report_client,
                                   display).run()
            interrupt.raise_pending()
    except BaseException:
        # Failed or interrupted: no report to carry the cleanup's outcome.
        for problem in _give_back(report_client, snapshot)['problems']:
            LOG.error('%s', problem)
        raise
    report['placement_cleanup'] = _give_back(report_client, snapshot)
    report['expectations'] = scenario_report.check_expectations(report)
    report['output'] = output.path
    scenario_report.write_outputs(report, output.path, RESULTS_FILE,
                                  committed=output.mark_written)
    return report


def exit_status(report):
    """0 when the audit is clean, every expectation met and Placement
    given back as it was found; else 1.
    """
    clean = (report['audit']['clean'] and not report['expectations'] and
             not report.get('placement_cleanup', {}).get('problems'))
    return 0 if clean else 1
