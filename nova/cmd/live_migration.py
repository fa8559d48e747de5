"""``nova-live-migration``: run the control plane, or see what it would do.

``run`` starts an embedded cloud (database, Placement, compute hosts on the
simulated libvirt or real libvirtd daemons) and carries out a scenario
file: boots, live migrations, force-complete and abort requests, faults,
evacuations; it prints progress, a summary table and a consistency audit
and writes results.json and one PNG timeline per migration.  Exit status:
0 when the audit is clean and every expectation of the scenario is met,
1 otherwise, 2 for a scenario file that cannot be run.

``plan`` resolves an instance's live-migration policy from flavor extra
specs, image properties and the host options, prints where each decision
came from -- the features, the SLA tier and the limits it and the
purpose set --, the traits the scheduler will require and the hosts
Placement offers.  Exit status: 0 on success, 2 when the request is
refused (the error is printed on stderr).

``bench`` migrates a matrix of workloads on the simulator under the
project's policy, reference policies of upstream Nova, oVirt and KubeVirt
and an oracle, and writes report.json, report.md and charts (see
nova.bench).  Exit status: 0, or 2 for an unknown policy or class.

``serve`` puts a scenario's cloud behind the compute REST API until
SIGINT or SIGTERM (see nova.scenario.serve).

The commands print their output on stdout and nothing else there: logs
go to stderr.  Every error is one line on stderr starting with
``ERROR:`` (``--debug`` adds the traceback of an unexpected one): exit
status 2 for input refused before anything starts (a command line, a
configuration file, a scenario or an output directory that cannot be
used), 1 for a failure while working.  SIGINT and SIGTERM stop ``run``
and ``plan`` with one line and exit status 130 and 143 (``serve`` stops
and exits 0).
"""

import argparse
import json
import os
import sys
import traceback

from oslo_config import cfg
from oslo_log import log as logging

from nova.bench import command as bench_command
from nova.bench import matrix as bench_matrix
from nova.cmd import demo_hosts
from nova.compute import api as compute_api
import nova.conf
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.objects import fields
from nova.scheduler.client import placement
from nova.scheduler import manager as scheduler_manager
from nova.scenario import interrupt
from nova.scenario import job as scenario_job
from nova.scenario import progress as scenario_progress
from nova.scenario import report as scenario_report
from nova.scenario import schema as scenario_schema
from nova.scenario import serve as scenario_serve
from nova.scheduler import utils as scheduler_utils
from nova.sim import paced_clock
from nova import utils
from nova.virt.libvirt import flags
from nova.virt import migration_policy
from nova.virt import sla

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
EXIT_FAILED = 1
EXIT_REFUSED = 2
#: The longest error line printed; what a user typed is already shortened.
ERROR_LINE_LIMIT = 2000
QUIET_LOGGERS = ['nova=WARNING', 'oslo_service=WARNING', 'placement=WARNING',
                 'alembic=WARNING',
                 'oslo_policy=WARNING', 'keystoneauth=WARNING',
                 'stevedore=WARNING']


def _key_values(pairs, option):
    result = {}
    for pair in pairs or []:
        key, sep, value = pair.partition('=')
        if not sep or not key:
            raise exception.InvalidInput(
                reason='%s takes KEY=VALUE, got %s' % (
                    option, utils.short_repr(pair)))
        result[key] = value
    return result


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is one ``ERROR:`` line, not a
    usage block; it still exits with status 2 (SystemExit).
    """

    def error(self, message):
        _error('%s: %s (see %s --help)' % (self.prog, message, self.prog),
               EXIT_REFUSED)
        sys.exit(EXIT_REFUSED)


def _port(text):
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            'a port is an integer from 0 (any free port) to 65535, got %r'
            % text)
    return port


def _boolean(text):
    try:
        return utils.parse_boolean(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def _speed(text):
    try:
        return paced_clock.check_factor(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def build_parser():
    parser = _Parser(
        prog='nova-live-migration',
        description='Inspect the live-migration control plane.')
    parser.add_argument('--config-file', action='append', default=[],
                        metavar='PATH', help='nova.conf to read options from')
    parser.add_argument('--debug', action='store_true',
                        help='log debug messages on stderr')
    sub = parser.add_subparsers(dest='command', required=True)
    run = sub.add_parser(
        'run', help='run an embedded cloud through a scenario file')
    run.add_argument('--scenario', metavar='FILE',
                     help='scenario YAML (default: the shipped scenario '
                          'exercising every feature)')
    run.add_argument('--output', metavar='DIR',
                     default='live-migration-run',
                     help='where results.json and the PNG timelines go '
                          '(default: %(default)s)')
    run.add_argument('--format', choices=('text', 'json'), default='text',
                     help='summary on stdout as text or as JSON (progress '
                          'then goes to stderr)')
    bench = sub.add_parser(
        'bench', help='compare migration policies on the simulator')
    bench.add_argument('--quick', action='store_true',
                       help='the small matrix (under a minute on 2 cores)')
    bench.add_argument('--output', metavar='DIR',
                       default=bench_command.DEFAULT_OUTPUT,
                       help='where report.json, report.md, the charts and '
                            'timing.json go (default: %(default)s)')
    bench.add_argument('--format', choices=('text', 'json'), default='text',
                       help='summary on stdout as text or as one JSON '
                            'document')
    bench.add_argument('--jobs', type=int, default=0, metavar='N',
                       help='worker processes (default: one per CPU)')
    bench.add_argument('--policy', action='append', metavar='NAME',
                       help='run only this policy (repeatable; the oracle '
                            'always runs)')
    bench.add_argument('--class', dest='klass', action='append',
                       choices=bench_matrix.CLASSES, metavar='CLASS',
                       help='run only this workload class (repeatable: %s)'
                            % ', '.join(bench_matrix.CLASSES))
    serve = sub.add_parser(
        'serve', help='serve an embedded cloud through the compute REST '
                      'API (drive it with openstack)')
    serve.add_argument('--scenario', metavar='FILE',
                       help='scenario YAML whose hosts, flavors, images and '
                            'instances start (default: the shipped '
                            'scenario); its steps are not run')
    serve.add_argument('--bind', metavar='ADDR', default='127.0.0.1',
                       help='address to listen on (default: %(default)s)')
    serve.add_argument('--port', metavar='N', type=_port, default=0,
                       help='TCP port (default: a free one)')
    serve.add_argument('--clouds-yaml', metavar='PATH',
                       default=os.path.join('live-migration-serve',
                                            'clouds.yaml'),
                       help='where to write the clouds.yaml naming the cloud '
                            'nova-live-migration (default: %(default)s)')
    serve.add_argument('--speed', metavar='FACTOR', type=_speed,
                       default=1.0,
                       help='simulated seconds per real second, above 0 and '
                            'at most 1000 (default: %(default)s)')
    plan = sub.add_parser(
        'plan', help='resolve an instance\'s migration policy and hosts')
    plan.add_argument('--flavor-spec', action='append', metavar='KEY=VALUE',
                      help='a flavor extra spec (repeatable)')
    plan.add_argument('--image-prop', action='append', metavar='KEY=VALUE',
                      help='an image property (repeatable)')
    plan.add_argument('--permit-post-copy', nargs='?', const=True,
                      type=_boolean, metavar='true|false',
                      help='as [libvirt] live_migration_permit_post_copy '
                           '(alone: true; default: the configuration\'s, '
                           'unset unless configured)')
    plan.add_argument('--permit-auto-converge', nargs='?', const=True,
                      type=_boolean, metavar='true|false',
                      help='as [libvirt] live_migration_permit_auto_converge')
    plan.add_argument('--sla-default', choices=sla.TIER_NAMES,
                      help='as [libvirt] live_migration_sla_default (the '
                           'tier of instances that name none)')
    plan.add_argument('--purpose', choices=fields.MigrationPurpose.ALL,
                      help='plan a migration for this purpose (default: '
                           '%s)' % fields.MigrationPurpose.DEFAULT)
    plan.add_argument('--paused', action='store_true',
                      help='plan for a paused guest')
    plan.add_argument('--block-migration', action='store_true',
                      help='plan a block migration (local disks copied)')
    plan.add_argument('--vcpus', type=int, default=2)
    plan.add_argument('--memory-mb', type=int, default=2048)
    plan.add_argument('--disk-gb', type=int, default=20)
    plan.add_argument('--format', choices=('text', 'json'), default='text')
    return parser


def _setup(args):
    logging.register_options(CONF)
    logging.set_defaults(
        default_log_levels=logging.get_default_log_levels() + QUIET_LOGGERS)
    argv = []
    for path in args.config_file:
        argv += ['--config-file', path]
    CONF(argv, project='nova', default_config_files=[])
    if args.debug:
        CONF.set_override('debug', True)
    if not CONF.log_file:
        # oslo.log writes to stdout when it has neither a log file nor
        # use_stderr; stdout carries the command's output only.
        CONF.set_override('use_stderr', True)
    logging.setup(CONF, 'nova')
    objects.register_all()


def plan(args):
    """Compute the plan; returns a dict (see doc/source/cli).

    The flavor and image go through the checks a create makes
    (``nova.compute.api.API.validate_boot_request``): what a create
    refuses, ``plan`` refuses.
    """
    specs = _key_values(args.flavor_spec, '--flavor-spec')
    props = _key_values(args.image_prop, '--image-prop')
    sizes = {'vcpus': args.vcpus, 'memory_mb': args.memory_mb,
             'root_gb': args.disk_gb}
    # Before the Flavor object, which refuses a negative size untyped.
    compute_api.API.validate_flavor_sizes(sizes)
    flavor = objects.Flavor(flavorid='plan', name='plan', extra_specs=specs,
                            **sizes)
    image_meta = compute_api.API.validate_boot_request(
        flavor, {'properties': props})
    lv = CONF.libvirt
    permit_pc = _given(args.permit_post_copy,
                       lv.live_migration_permit_post_copy)
    permit_ac = _given(args.permit_auto_converge,
                       lv.live_migration_permit_auto_converge)
    default_tier = args.sla_default or lv.live_migration_sla_default
    purpose = args.purpose or fields.MigrationPurpose.DEFAULT
    policy = migration_policy.resolve(
        flavor, image_meta, permit_post_copy=permit_pc,
        permit_auto_converge=permit_ac, paused=args.paused,
        default_tier=default_tier, purpose=purpose)

    result = policy.as_dict()
    result['migration_flags'] = flags.flag_names(flags.migration_flags(
        policy, block_migration=args.block_migration))
    result['permit_post_copy'] = permit_pc
    result['permit_auto_converge'] = permit_ac
    result['sla_default'] = default_tier
    result['purpose'] = purpose
    result['resources'] = scheduler_utils.resources_from_flavor(flavor)
    result['placement'] = ('embedded' if placement.is_embedded(CONF)
                           else CONF.placement.endpoint_override or 'keystone')
    ctxt = nova_context.get_admin_context()
    with placement.report_client(CONF) as client:
        if placement.is_embedded(CONF):
            result['demo_hosts'] = demo_hosts.seed(client)
        spec = objects.RequestSpec.from_components(
            '00000000-0000-0000-0000-000000000000', flavor, image_meta,
            ctxt.project_id, ctxt.user_id)
        try:
            candidates = scheduler_manager.SchedulerManager(
                client).find_candidates(ctxt, spec)
            result['hosts'] = sorted(c.host for c in candidates)
            result['no_valid_host'] = None
        except exception.NoValidHost as exc:
            result['hosts'] = []
            result['no_valid_host'] = str(exc)
    return result


def _given(value, configured):
    """A command-line value when given, else the configured one."""
    return configured if value is None else value


def _unset(value):
    return 'unset' if value is None else value


#: (limits key, label, unit) in the order ``plan`` shows them.
LIMIT_ROWS = (('downtime_ms', 'switch-over', 'ms'),
              ('stop_ms', 'guest stop', 'ms'),
              ('throttle_pct', 'throttle', '%'),
              ('post_copy', 'post-copy', ''),
              ('pause', 'pause', ''))


def format_text(result):
    def onoff(value):
        return 'on' if value else 'off'

    lines = ['Live-migration policy']
    for feature, label in (('auto_converge', 'auto-converge'),
                           ('post_copy', 'post-copy')):
        lines.append('  %-15s %-4s from %-13s %s' % (
            label, onoff(result[feature]), result[feature + '_origin'],
            result[feature + '_reason']))
    lines.append('  %-15s live_migration_permit_post_copy=%s, '
                 'live_migration_permit_auto_converge=%s, '
                 'live_migration_sla_default=%s' % (
                     'host options', _unset(result['permit_post_copy']),
                     _unset(result['permit_auto_converge']),
                     result['sla_default']))
    limits = result['limits']
    lines.append('SLA tier          %s from %s (%s); purpose %s' % (
        result['sla_tier'], result['sla_tier_origin'],
        result['sla_tier_source'], limits['purpose']))
    for key, label, unit in LIMIT_ROWS:
        value = limits[key]
        if isinstance(value, bool):
            value = 'yes' if value else 'no'
        elif value == sla.PostCopy.RECOVERABLE.value:
            value = 'if recoverable'
        lines.append('  %-15s %-14s from %s' % (
            label, ('%s %s' % (value, unit)).strip(),
            limits[key + '_source']))
    lines.append('Migration flags   %s' % ' | '.join(
        result['migration_flags']))
    lines.append('Required traits   %s' % (
        ', '.join(result['required_traits']) or '(none)'))
    lines.append('Resources         %s' % scheduler_utils.format_resources(
        result['resources']))
    if 'demo_hosts' in result:
        lines.append('Placement         embedded, demo hosts:')
        for name, traits in result['demo_hosts'].items():
            lines.append('  %-19s %s' % (name, ', '.join(traits) or
                                         '(no migration traits)'))
    else:
        lines.append('Placement         %s' % result['placement'])
    hosts = ', '.join(result['hosts']) or 'none'
    lines.append('Candidate hosts   %s' % hosts)
    if result['no_valid_host']:
        lines.append('                  %s' % result['no_valid_host'])
    return '\n'.join(lines)


def _load_scenario(path):
    """The checked scenario; None (the reason printed) when refused."""
    try:
        return scenario_schema.load(path)[1]
    except scenario_schema.ScenarioError as exc:
        _error('scenario %s' % exc, EXIT_REFUSED)
        return None


def run(args):
    """The ``run`` command; returns the exit status."""
    scenario = _load_scenario(args.scenario)
    if scenario is None:
        return EXIT_REFUSED
    output = scenario_job.Output(args.output)
    output.prepare()
    stream = sys.stdout if args.format == 'text' else sys.stderr
    display = scenario_progress.Display(stream)
    try:
        scenario_job.prepare_database()
        ctxt = nova_context.get_admin_context()
        with placement.report_client(CONF) as client:
            report = scenario_job.execute(scenario, ctxt, client, display,
                                          output)
    except Exception:
        if interrupt.received() is None:
            raise
        # A second signal stopped the run at once, wherever it was; what
        # broke on the way out is a consequence, not the news.
        LOG.debug('The interrupted run ended with', exc_info=True)
        return _stopped(interrupt.Interrupted(interrupt.received()), output)
    except interrupt.Interrupted as exc:
        return _stopped(exc, output)
    finally:
        # A run that wrote nothing leaves no directory it made behind.
        output.discard()
    if args.format == 'json':
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(scenario_report.text(report))
    return scenario_job.exit_status(report)


def _stopped(exc, output):
    return _error('%s: the run stopped; %s' % (
        exc, 'the results are in %s' % output.path if output.written
        else 'no results were written'), exc.exit_status)


def bench(args):
    """The ``bench`` command; returns the exit status."""
    if args.jobs < 0 or args.jobs > 256:
        return _error('--jobs must be from 1 to 256 (0: one per CPU), not '
                      '%d' % args.jobs, EXIT_REFUSED)
    return bench_command.main(args)


def serve(args):
    """The ``serve`` command; returns the exit status."""
    scenario = _load_scenario(args.scenario)
    if scenario is None:
        return EXIT_REFUSED
    return scenario_serve.serve(args, scenario)


def plan_command(args):
    """The ``plan`` command; returns the exit status."""
    result = plan(args)
    if args.format == 'json':
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        print(format_text(result))
    return 0


COMMANDS = {'run': run, 'serve': serve, 'bench': bench,
            'plan': plan_command}


def _error(message, status):
    """Print ``ERROR: message`` as one line on stderr; returns ``status``."""
    line = ' '.join(str(message).split())
    print('ERROR: %s' % utils.shorten(line, ERROR_LINE_LIMIT),
          file=sys.stderr)
    return status


def _command(args):
    """Run the command; every way it can end is an exit status."""
    try:
        _setup(args)
        status = COMMANDS[args.command](args)
        interrupt.raise_pending()
        return status
    except interrupt.Interrupted as exc:
        return _error('%s: stopped' % exc, exc.exit_status)
    except (cfg.Error, exception.Invalid) as exc:
        # A configuration file or an input refused before anything ran.
        return _error(exc, EXIT_REFUSED)
    except exception.NovaException as exc:
        return _error(exc, EXIT_FAILED)
    except (OSError, RuntimeError) as exc:
        # A host or a file the command needed was not usable.
        LOG.debug('The command failed', exc_info=True)
        return _error('the %s could not go on: %s: %s' % (
            args.command, type(exc).__name__, exc), EXIT_FAILED)
    except Exception as exc:
        if args.debug:
            traceback.print_exc(file=sys.stderr)
        return _error('unexpected %s in %s: %s%s' % (
            type(exc).__name__, args.command, exc,
            '' if args.debug else ' (--debug shows where)'), EXIT_FAILED)


def main(argv=None):
    """Run ``nova-live-migration``; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code  # --help (0), or a refused command line (2)
    interrupt.install()
    try:
        return _command(args)
    finally:
        interrupt.uninstall()


if __name__ == '__main__':
    sys.exit(main())
