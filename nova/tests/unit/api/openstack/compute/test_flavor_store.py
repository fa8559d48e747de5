"""The flavor catalogue in the database."""

import fixtures
from oslo_db import exception as db_exc

from nova.api.openstack.compute import flavor_store
from nova import exception
from nova import test
from nova.tests import fixtures as nova_fixtures

PC = 'compute:live_migration_post_copy'
AC = 'compute:live_migration_auto_converge'


class FlavorStoreTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.store = flavor_store.FlavorStore()

    def test_another_store_sees_the_same_flavors(self):
        self.store.create('small', 1, 512, root_gb=1, flavorid='s',
                          extra_specs={PC: 'true'}, description='d')
        self.store.create('big', 4, 4096, flavorid='b', is_public=False)
        other = flavor_store.FlavorStore()
        entry = other.get('s')
        self.assertEqual(('small', 1, 512, 1, {PC: 'true'}, True, 'd'), (
            entry.flavor.name, entry.flavor.vcpus, entry.flavor.memory_mb,
            entry.flavor.root_gb, entry.flavor.extra_specs, entry.is_public,
            entry.description))
        self.assertEqual(['s', 'b'], [e.flavor.flavorid
                                      for e in other.list()])
        other.delete('b')
        self.assertRaises(flavor_store.FlavorNotFound, self.store.get, 'b')
        self.assertRaises(flavor_store.FlavorNotFound, self.store.delete,
                          'b')

    def test_clashes(self):
        self.store.create('small', 1, 512, flavorid='s')
        exc = self.assertRaises(flavor_store.FlavorExists, self.store.create,
                                'other', 1, 512, flavorid='s')
        self.assertEqual('Flavor with ID s already exists.', str(exc))
        exc = self.assertRaises(flavor_store.FlavorExists, self.store.create,
                                'small', 1, 512, flavorid='t')
        self.assertIn('name small', str(exc))

    def test_clash_found_only_by_the_database(self):
        # Another request inserted the same flavor after the checks.
        self.store.create('small', 1, 512, flavorid='s')
        self.useFixture(fixtures.MockPatch(
            'nova.db.api.flavor_get', return_value=None))
        self.useFixture(fixtures.MockPatch(
            'nova.db.api.flavor_get_by_name', return_value=None))
        exc = self.assertRaises(flavor_store.FlavorExists, self.store.create,
                                'small', 1, 512, flavorid='t')
        self.assertIn('name small', str(exc))
        self.assertIsInstance(exc.__context__, db_exc.DBDuplicateEntry)
        exc = self.assertRaises(flavor_store.FlavorExists, self.store.create,
                                'other', 1, 512, flavorid='s')
        self.assertIn('ID s', str(exc))

    def test_extra_specs_changed_whole_or_not_at_all(self):
        self.store.create('small', 1, 512, flavorid='s',
                          extra_specs={PC: 'true'})
        self.assertRaises(exception.MigrationPolicyConflict,
                          self.store.update_extra_specs, 's', {AC: 'true'})
        self.assertRaises(flavor_store.ExtraSpecNotFound,
                          self.store.update_extra_specs, 's', {AC: 'true'},
                          removed=['nope'])
        self.assertEqual({PC: 'true'}, self.store.get('s').flavor.extra_specs)
        self.assertEqual({AC: 'true'}, self.store.update_extra_specs(
            's', {AC: 'true'}, removed=[PC]))
        self.assertEqual({AC: 'true'}, self.store.get('s').flavor.extra_specs)
        self.assertRaises(flavor_store.FlavorNotFound,
                          self.store.update_extra_specs, 'nope', {})

    def test_bad_spec_refused_before_anything_is_stored(self):
        self.assertRaises(exception.InvalidExtraSpec, self.store.create,
                          'small', 1, 512, extra_specs={PC: 'ture'})
        self.assertEqual([], self.store.list())
