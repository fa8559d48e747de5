import io
import os
from unittest import mock

import fixtures

from nova.cmd import live_migration
from nova.compute import api as compute_api
from nova import exception
from nova import test
from nova.virt import sla


class KeyValueTestCase(test.NoDBTestCase):

    def test_parse(self):
        self.assertEqual({'a:b': 'c=d', 'x': ''}, live_migration._key_values(
            ['a:b=c=d', 'x='], '--flavor-spec'))

    def test_bad(self):
        for pair in ('novalue', '=v'):
            exc = self.assertRaises(exception.InvalidInput,
                                    live_migration._key_values, [pair],
                                    '--image-prop')
            self.assertIn('--image-prop takes KEY=VALUE', str(exc))


class FormatTextTestCase(test.NoDBTestCase):

    def test_no_valid_host_shown(self):
        text = live_migration.format_text({
            'auto_converge': True, 'auto_converge_origin': 'flavor',
            'auto_converge_reason': 'on: flavor extra spec x=true',
            'post_copy': False, 'post_copy_origin': 'auto_converge',
            'post_copy_reason': 'off: auto-converge requested',
            'permit_post_copy': False, 'permit_auto_converge': False,
            'required_traits': ['COMPUTE_MIGRATE_AUTO_CONVERGE'],
            'migration_flags': ['VIR_MIGRATE_LIVE', 'VIR_MIGRATE_PEER2PEER'],
            'resources': {'VCPU': 1}, 'placement': 'http://placement',
            'hosts': [], 'no_valid_host': 'No valid host was found. X',
            'sla_default': 'pet', 'sla_tier': 'panda',
            'sla_tier_origin': 'flavor',
            'sla_tier_source': 'flavor extra spec x=panda',
            'limits': sla.limits('panda', 'rebalance', 'flavor').as_dict()})
        self.assertIn('Candidate hosts   none', text)
        self.assertIn('No valid host was found. X', text)
        self.assertIn('Placement         http://placement', text)
        self.assertIn('auto-converge   on   from flavor', text)
        self.assertIn('Migration flags   VIR_MIGRATE_LIVE | '
                      'VIR_MIGRATE_PEER2PEER', text)
        self.assertIn('live_migration_permit_post_copy=False', text)
        self.assertIn('SLA tier          panda from flavor (flavor extra '
                      'spec x=panda); purpose rebalance', text)
        self.assertIn('  switch-over     300 ms         from tier panda '
                      '(flavor)', text)
        self.assertIn('  throttle        0 %            from purpose '
                      'rebalance', text)
        self.assertIn('  post-copy       no ', text)


class MainTestCase(test.NoDBTestCase):
    """``main()`` in-process, for what ends before any cloud starts.

    oslo.log's setup is left out (it would rewire this process's logging);
    the functional tests run the command as a program for that.
    """

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.MockPatch(
            'nova.cmd.live_migration.logging.setup'))

    def main(self, *argv):
        # A program parses its command line once; a test may call it again.
        live_migration.CONF.clear()
        out, err = io.StringIO(), io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', out))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        status = live_migration.main(list(argv))
        return status, out.getvalue(), err.getvalue()

    def assertOneLine(self, expected_status, argv, *fragments):
        status, out, err = self.main(*argv)
        self.assertEqual((expected_status, ''), (status, out), err)
        self.assertEqual(1, len(err.splitlines()), err)
        self.assertTrue(err.startswith('ERROR: '), err)
        self.assertNotIn('Traceback', err)
        for fragment in fragments:
            self.assertIn(fragment, err)
        return err

    def test_plan_refuses_what_create_refuses(self):
        self.assertOneLine(
            2, ['plan', '--flavor-spec', 'hw:numa_nodes=3', '--vcpus', '2'],
            "Invalid flavor extra spec hw:numa_nodes='3': a positive integer "
            "no larger than the flavor's 2 vCPUs")

    def test_plan_uses_the_create_validation(self):
        with mock.patch.object(compute_api.API, 'validate_boot_request',
                               side_effect=exception.InvalidInput(
                                   reason='from create')) as validate:
            self.assertOneLine(2, ['plan'], 'Invalid input: from create')
        flavor, image = validate.call_args[0]
        self.assertEqual((2, 2048, 20), (flavor.vcpus, flavor.memory_mb,
                                         flavor.root_gb))
        self.assertEqual({'properties': {}}, image)

    def test_plan_negative_and_absurd_sizes(self):
        for argv, words in (
                (['--vcpus', '-1'], 'Invalid flavor vcpus=-1: the vCPUs '
                                    'must be an integer from 1 to 4096'),
                (['--memory-mb', '-2048'], 'memory_mb=-2048'),
                (['--disk-gb', '-1'], 'root_gb=-1: the root disk in GiB'),
                (['--memory-mb', '99999999999999'],
                 'memory_mb=99999999999999: the memory in MiB must be an '
                 'integer from 1 to 16777216'),
                (['--vcpus', '100000'], 'vcpus=100000')):
            self.assertOneLine(2, ['plan'] + argv, words)

    def test_bad_command_lines(self):
        for argv, words in (
                (['plan', '--vcpus', 'x'],
                 "nova-live-migration plan: argument --vcpus: invalid int "
                 "value: 'x' (see nova-live-migration plan --help)"),
                (['bogus'], "invalid choice: 'bogus'"),
                ([], 'the following arguments are required: command'),
                (['run', '--format', 'xml'], "invalid choice: 'xml'")):
            self.assertOneLine(2, argv, words)

    def test_help_still_printed(self):
        status, out, err = self.main('plan', '--help')
        self.assertEqual((0, ''), (status, err))
        self.assertIn('usage: nova-live-migration plan', out)

    def test_missing_config_file(self):
        missing = os.path.join(self.tmp, 'nova.conf')
        self.assertOneLine(2, ['--config-file', missing, 'plan'],
                           'ERROR: Failed to find some config files: %s'
                           % missing)

    def test_broken_config_file(self):
        path = os.path.join(self.tmp, 'nova.conf')
        with open(path, 'w') as handle:
            handle.write('[placement]\ntimeout = soon\n')
        self.assertOneLine(2, ['--config-file', path, 'plan'], 'timeout',
                           'soon')

    def test_long_values_shortened(self):
        err = self.assertOneLine(
            2, ['plan', '--flavor-spec',
                'compute:live_migration_post_copy=' + 'y' * 100000],
            '... (100002 characters): a boolean must be one of')
        self.assertLess(len(err), 400)
        err = self.assertOneLine(2, ['plan', '--image-prop', 'k' * 100000],
                                 '--image-prop takes KEY=VALUE, got')
        self.assertLess(len(err), 400)

    def test_unexpected_error_is_one_line(self):
        with mock.patch.object(live_migration, 'plan',
                               side_effect=KeyError('resources')):
            self.assertOneLine(
                1, ['plan'], "ERROR: unexpected KeyError in plan: "
                "'resources' (--debug shows where)")

    def test_unexpected_error_with_debug_shows_the_traceback(self):
        with mock.patch.object(live_migration, 'plan',
                               side_effect=KeyError('resources')):
            status, out, err = self.main('--debug', 'plan')
        self.assertEqual((1, ''), (status, out))
        self.assertIn('Traceback (most recent call last)', err)
        self.assertEqual("ERROR: unexpected KeyError in plan: 'resources'",
                         err.splitlines()[-1])

    def test_logs_go_to_stderr(self):
        with mock.patch.object(live_migration, 'plan',
                               side_effect=exception.InvalidInput(
                                   reason='stop here')):
            self.main('plan')
        self.assertTrue(live_migration.CONF.use_stderr)

    def test_log_file_keeps_oslo_choice(self):
        path = os.path.join(self.tmp, 'nova.conf')
        with open(path, 'w') as handle:
            handle.write('[DEFAULT]\nlog_file = %s/nova.log\n' % self.tmp)
        with mock.patch.object(live_migration, 'plan',
                               side_effect=exception.InvalidInput(
                                   reason='stop here')):
            self.main('--config-file', path, 'plan')
        self.assertFalse(live_migration.CONF.use_stderr)

    def _scenario(self):
        path = os.path.join(self.tmp, 'scenario.yaml')
        with open(path, 'w') as handle:
            handle.write('hosts: {a: {}, b: {}}\n')
        return path

    def test_run_unusable_output_refused_before_the_run(self):
        target = os.path.join(self.tmp, 'a-file')
        open(target, 'w').close()
        with mock.patch('nova.scenario.job.prepare_database') as prepare:
            self.assertOneLine(
                2, ['run', '--scenario', self._scenario(), '--output',
                    target],
                'ERROR: Cannot write the results to %s: it exists and is '
                'not a directory.' % target)
        prepare.assert_not_called()

    def test_run_output_not_writable(self):
        with mock.patch('nova.scenario.job.prepare_database') as prepare:
            self.assertOneLine(
                2, ['run', '--scenario', self._scenario(), '--output',
                    '/proc/no/such'], 'Cannot write the results to '
                '/proc/no/such: it cannot be created')
        prepare.assert_not_called()

    def test_run_refused_scenario(self):
        path = os.path.join(self.tmp, 'dup.yaml')
        with open(path, 'w') as handle:
            handle.write('hosts: {a: {}}\nhosts: {b: {}}\n')
        self.assertOneLine(2, ['run', '--scenario', path, '--output',
                               os.path.join(self.tmp, 'out')],
                           'ERROR: scenario %s: hosts: duplicate key' % path)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'out')))
