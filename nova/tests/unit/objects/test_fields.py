"""The vocabulary of nova.objects.fields that has rules of its own."""

import ddt

from nova import exception
from nova.objects import fields
from nova import test

PURPOSE = fields.MigrationPurpose


@ddt.ddt
class ValidateMigrationPurposeTestCase(test.NoDBTestCase):

    @ddt.data(*PURPOSE.ALL)
    def test_every_purpose(self, purpose):
        self.assertEqual(purpose, fields.validate_migration_purpose(purpose))

    def test_none_is_the_default(self):
        self.assertEqual('maintenance', PURPOSE.DEFAULT)
        self.assertEqual(PURPOSE.DEFAULT,
                         fields.validate_migration_purpose(None))

    @ddt.data(('Maintenance', "'Maintenance'"), ('', "''"),
              (' rebalance', "' rebalance'"), (0, '=0'), (1.5, '=1.5'),
              (float('nan'), '=nan'), (b'rebalance', "b'rebalance'"),
              (('rebalance',), "('rebalance',)"),
              ('y' * 10000, '(10002 characters)'))
    @ddt.unpack
    def test_refused(self, value, shown):
        exc = self.assertRaises(exception.InvalidMigrationPurpose,
                                fields.validate_migration_purpose, value,
                                'OS-EXT-LM:purpose')
        message = str(exc)
        self.assertEqual(400, exc.code)
        self.assertIn('Invalid migration purpose OS-EXT-LM:purpose', message)
        self.assertIn(shown, message)
        self.assertIn('evacuate-host, maintenance, rebalance', message)
        self.assertLess(len(message), 400)

    def test_key_named(self):
        exc = self.assertRaises(exception.InvalidMigrationPurpose,
                                fields.validate_migration_purpose, 'x',
                                'steps[3].purpose')
        self.assertIn("steps[3].purpose='x'", str(exc))

    def test_rebuilt_from_its_keywords(self):
        # As the RPC layer rebuilds a typed error: message and keywords.
        exc = self.assertRaises(exception.InvalidMigrationPurpose,
                                fields.validate_migration_purpose, 'x')
        again = exception.InvalidMigrationPurpose(str(exc), **exc.kwargs)
        self.assertEqual(str(exc), str(again))
        self.assertEqual('migration purpose', again.kwargs['kind'])
