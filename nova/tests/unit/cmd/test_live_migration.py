from nova.cmd import live_migration
from nova import exception
from nova import test


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
            'hosts': [], 'no_valid_host': 'No valid host was found. X'})
        self.assertIn('Candidate hosts   none', text)
        self.assertIn('No valid host was found. X', text)
        self.assertIn('Placement         http://placement', text)
        self.assertIn('auto-converge   on   from flavor', text)
        self.assertIn('Migration flags   VIR_MIGRATE_LIVE | '
                      'VIR_MIGRATE_PEER2PEER', text)
