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
came from, the traits the scheduler will require and the hosts Placement
offers.  Exit status: 0 on success, 2 when the request is refused (the
error is printed on stderr).
"""

import argparse
import json
import os
import sys

from oslo_log import log as logging

from nova.api.validation.extra_specs import validators
from nova.cmd import demo_hosts
import nova.conf
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.scheduler.client import placement
from nova.scheduler import manager as scheduler_manager
from nova.scenario import job as scenario_job
from nova.scenario import progress as scenario_progress
from nova.scenario import report as scenario_report
from nova.scenario import schema as scenario_schema
from nova.scenario import serve as scenario_serve
from nova.scheduler import utils as scheduler_utils
from nova.sim import paced_clock
from nova.virt.libvirt import flags
from nova.virt import migration_policy

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
EXIT_REFUSED = 2
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
                reason='%s takes KEY=VALUE, got %r' % (option, pair))
        result[key] = value
    return result


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


def _speed(text):
    try:
        return paced_clock.check_factor(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def build_parser():
    parser = argparse.ArgumentParser(
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
    plan.add_argument('--permit-post-copy', action='store_true',
                      help='as [libvirt] live_migration_permit_post_copy')
    plan.add_argument('--permit-auto-converge', action='store_true',
                      help='as [libvirt] live_migration_permit_auto_converge')
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
    logging.setup(CONF, 'nova')
    objects.register_all()


def plan(args):
    """Compute the plan; returns a dict (see doc/source/cli)."""
    specs = _key_values(args.flavor_spec, '--flavor-spec')
    props = _key_values(args.image_prop, '--image-prop')
    validators.validate_extra_specs(specs)
    validators.validate_image_properties(props)
    flavor = objects.Flavor(flavorid='plan', name='plan', vcpus=args.vcpus,
                            memory_mb=args.memory_mb, root_gb=args.disk_gb,
                            extra_specs=specs)
    image_meta = objects.ImageMeta.from_dict({'properties': props})
    permit_pc = (args.permit_post_copy or
                 CONF.libvirt.live_migration_permit_post_copy)
    permit_ac = (args.permit_auto_converge or
                 CONF.libvirt.live_migration_permit_auto_converge)
    policy = migration_policy.resolve(
        flavor, image_meta, permit_post_copy=permit_pc,
        permit_auto_converge=permit_ac, paused=args.paused)

    result = policy.as_dict()
    result['migration_flags'] = flags.flag_names(flags.migration_flags(
        policy, block_migration=args.block_migration))
    result['permit_post_copy'] = bool(permit_pc)
    result['permit_auto_converge'] = bool(permit_ac)
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
                 'live_migration_permit_auto_converge=%s' % (
                     'host options', result['permit_post_copy'],
                     result['permit_auto_converge']))
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
        print('ERROR: scenario %s' % exc, file=sys.stderr)
        return None


def run(args):
    """The ``run`` command; returns the exit status."""
    scenario = _load_scenario(args.scenario)
    if scenario is None:
        return EXIT_REFUSED
    stream = sys.stdout if args.format == 'text' else sys.stderr
    display = scenario_progress.Display(stream)
    scenario_job.prepare_database()
    ctxt = nova_context.get_admin_context()
    with placement.report_client(CONF) as client:
        report = scenario_job.execute(scenario, ctxt, client, display,
                                      os.path.abspath(args.output))
    if args.format == 'json':
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(scenario_report.text(report))
    return scenario_job.exit_status(report)


def serve(args):
    """The ``serve`` command; returns the exit status."""
    scenario = _load_scenario(args.scenario)
    if scenario is None:
        return EXIT_REFUSED
    return scenario_serve.serve(args, scenario)


def main(argv=None):
    args = build_parser().parse_args(argv)
    _setup(args)
    if args.command == 'serve':
        try:
            return serve(args)
        except (exception.NovaException, OSError) as exc:
            print('ERROR: %s' % exc, file=sys.stderr)
            return 1
    if args.command == 'run':
        try:
            return run(args)
        except exception.NovaException as exc:
            print('ERROR: %s' % exc, file=sys.stderr)
            return 1
        except (OSError, RuntimeError) as exc:
            # A host or a file the run needed was not usable.
            LOG.debug('The run failed', exc_info=True)
            print('ERROR: the run could not go on: %s: %s' % (
                type(exc).__name__, exc), file=sys.stderr)
            return 1
    try:
        result = plan(args)
    except exception.Invalid as exc:
        print('ERROR: %s' % exc, file=sys.stderr)
        return EXIT_REFUSED
    except exception.NovaException as exc:
        print('ERROR: %s' % exc, file=sys.stderr)
        return 1
    if args.format == 'json':
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        print(format_text(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
