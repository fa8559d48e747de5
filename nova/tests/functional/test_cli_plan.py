"""``nova-live-migration plan`` as a user runs it (a new process each)."""

import json
import subprocess
import sys

from nova import test


def run_plan(*args):
    proc = subprocess.run(
        [sys.executable, '-m', 'nova.cmd.live_migration', 'plan'] +
        list(args), capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


class PlanCommandTestCase(test.NoDBTestCase):

    def test_json(self):
        rc, out, err = run_plan(
            '--flavor-spec', 'compute:live_migration_auto_converge=true',
            '--image-prop', 'compute_live_migration_post_copy=false',
            '--permit-post-copy', '--format', 'json')
        self.assertEqual(0, rc, err)
        result = json.loads(out)
        self.assertIs(True, result['auto_converge'])
        self.assertEqual('flavor', result['auto_converge_origin'])
        self.assertIs(False, result['post_copy'])
        self.assertEqual('image', result['post_copy_origin'])
        self.assertEqual(['COMPUTE_MIGRATE_AUTO_CONVERGE'],
                         result['required_traits'])
        self.assertEqual(['demo-auto-converge', 'demo-both'],
                         result['hosts'])
        self.assertEqual(['VIR_MIGRATE_LIVE', 'VIR_MIGRATE_PEER2PEER',
                          'VIR_MIGRATE_PERSIST_DEST',
                          'VIR_MIGRATE_UNDEFINE_SOURCE',
                          'VIR_MIGRATE_AUTO_CONVERGE'],
                         result['migration_flags'])

    def test_block_migration_post_copy_flags(self):
        rc, out, err = run_plan('--permit-post-copy',
                                '--permit-auto-converge', 'false',
                                '--block-migration', '--format', 'json')
        self.assertEqual(0, rc, err)
        flags = json.loads(out)['migration_flags']
        self.assertIn('VIR_MIGRATE_NON_SHARED_INC', flags)
        self.assertIn('VIR_MIGRATE_POSTCOPY', flags)
        self.assertNotIn('VIR_MIGRATE_AUTO_CONVERGE', flags)

    def test_text_permitted_by_host(self):
        rc, out, err = run_plan('--permit-post-copy',
                                '--permit-auto-converge')
        self.assertEqual(0, rc, err)
        self.assertIn('post-copy       on   from config', out)
        self.assertIn('auto-converge   off  from config', out)
        self.assertIn('Required traits   (none)', out)
        self.assertIn('Candidate hosts   demo-auto-converge, demo-both, '
                      'demo-neither, demo-post-copy', out)

    def test_refused_combination_exits_2(self):
        rc, out, err = run_plan(
            '--flavor-spec', 'compute:live_migration_post_copy=true',
            '--image-prop', 'compute_live_migration_post_copy=no')
        self.assertEqual(2, rc)
        self.assertEqual('', out)
        self.assertIn('ERROR: Flavor extra spec '
                      'compute:live_migration_post_copy=true conflicts with '
                      'image property compute_live_migration_post_copy=false',
                      err)
        self.assertNotIn('Traceback', err)

    def test_bad_input_exits_2(self):
        for args, text in (
                (('--flavor-spec', 'compute:live_migration_post_copy'),
                 '--flavor-spec takes KEY=VALUE'),
                (('--flavor-spec', 'compute:live_migration_post_copy=ture'),
                 "compute:live_migration_post_copy='ture'"),
                (('--image-prop', 'compute_bogus=1'),
                 "unknown key in the 'compute' namespace")):
            rc, out, err = run_plan(*args)
            self.assertEqual(2, rc, args)
            self.assertIn(text, err)
            self.assertNotIn('Traceback', err)


class PlanSLATestCase(test.NoDBTestCase):

    def test_tier_limits_and_where_they_came_from(self):
        rc, out, err = run_plan(
            '--flavor-spec', 'compute:live_migration_sla=panda',
            '--format', 'json')
        self.assertEqual(0, rc, err)
        result = json.loads(out)
        self.assertEqual('panda', result['sla_tier'])
        self.assertEqual('flavor', result['sla_tier_origin'])
        limits = result['limits']
        self.assertEqual((300, 300, 30, 'no', False), (
            limits['downtime_ms'], limits['stop_ms'],
            limits['throttle_pct'], limits['post_copy'], limits['pause']))
        self.assertEqual('tier panda (flavor extra spec '
                         'compute:live_migration_sla=panda)',
                         limits['downtime_ms_source'])
        self.assertEqual(['COMPUTE_MIGRATE_AUTO_CONVERGE'],
                         result['required_traits'])
        self.assertEqual(['demo-auto-converge', 'demo-both'],
                         result['hosts'])
        self.assertIs(False, result['post_copy'])
        self.assertIs(True, result['auto_converge'])

    def test_text_default_tier_and_purpose(self):
        rc, out, err = run_plan('--purpose', 'rebalance', '--sla-default',
                                'cattle')
        self.assertEqual(0, rc, err)
        self.assertIn('SLA tier          cattle from config ([libvirt] '
                      'live_migration_sla_default=cattle); purpose '
                      'rebalance', out)
        self.assertIn('switch-over     2000 ms', out)
        self.assertIn('from purpose rebalance', out)
        self.assertIn('post-copy       off  from purpose', out)
        self.assertIn('live_migration_permit_post_copy=unset', out)

    def test_host_options_true_false_and_unset(self):
        rc, out, err = run_plan('--permit-post-copy', 'false',
                                '--permit-auto-converge', '--format', 'json')
        self.assertEqual(0, rc, err)
        result = json.loads(out)
        self.assertIs(False, result['permit_post_copy'])
        self.assertIs(True, result['permit_auto_converge'])
        self.assertEqual('config', result['post_copy_origin'])
        rc, out, err = run_plan('--permit-post-copy', 'maybe')
        self.assertEqual(2, rc)
        self.assertIn('--permit-post-copy', err)

    def test_tier_contradicting_an_explicit_value_exits_2(self):
        rc, out, err = run_plan(
            '--flavor-spec', 'compute:live_migration_sla=cattle',
            '--image-prop', 'compute_live_migration_post_copy=false')
        self.assertEqual(2, rc)
        self.assertEqual('', out)
        self.assertIn('ERROR: flavor extra spec '
                      'compute:live_migration_sla=cattle conflicts with '
                      'image property compute_live_migration_post_copy='
                      'false: the tier finishes its moves by post-copy',
                      err)
