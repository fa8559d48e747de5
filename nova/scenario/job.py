"""The ``run`` job from a checked scenario to written results."""

import os

import nova.conf
from nova.db import api as db_api
from nova.db import migration as db_migration
from nova.scenario import report as scenario_report
from nova.scenario import runner

CONF = nova.conf.CONF
RESULTS_FILE = 'results.json'


def prepare_database():
    """A fresh in-memory database at the newest schema for this run.

    Every run starts from an empty cloud; the results stay in the output
    directory (results.json), not in a database.
    """
    CONF.set_override('connection', 'sqlite://', group='database')
    engine = db_api.context_manager.writer.get_engine()
    with engine.begin() as connection:
        db_migration.upgrade(connection)


def execute(scenario, ctxt, report_client, display, output_dir):
    """Run ``scenario``; write timelines and results.json to
    ``output_dir``; returns the report dict.
    """
    report = runner.Runner(scenario, ctxt, report_client, display).run()
    report['expectations'] = scenario_report.check_expectations(report)
    os.makedirs(output_dir, exist_ok=True)
    report['output'] = os.path.abspath(output_dir)
    scenario_report.write_timelines(report, output_dir)
    scenario_report.write_json(report,
                               os.path.join(output_dir, RESULTS_FILE))
    return report


def exit_status(report):
    """0 when the audit is clean and every expectation met, else 1."""
    clean = report['audit']['clean'] and not report['expectations']
    return 0 if clean else 1
