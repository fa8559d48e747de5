"""The image records in the database."""

import fixtures

from nova.api.openstack.image import store as image_store
from nova import exception
from nova import test
from nova.tests import fixtures as nova_fixtures

PC = 'compute_live_migration_post_copy'
UUID = '6b1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f'


class ImageStoreTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.store = image_store.ImageStore()

    def test_another_store_sees_the_same_images(self):
        created = self.store.create('p', {'name': 'img'}, {PC: 'true'},
                                    image_id=UUID)
        other = image_store.ImageStore()
        self.assertEqual(created, other.get(UUID))
        self.assertEqual([UUID], [i['id'] for i in other.list()])
        self.assertEqual(('queued', 'p', {PC: 'true'}), (
            created['status'], created['owner'], created['properties']))

    def test_duplicate_id(self):
        self.store.create('p', {}, {}, image_id=UUID)
        self.assertRaises(image_store.ImageConflict, self.store.create, 'p',
                          {}, {}, image_id=UUID)
        # Caught by the database when another request got there first.
        self.useFixture(fixtures.MockPatch('nova.db.api.image_get',
                                           return_value=None))
        self.assertRaises(image_store.ImageConflict, self.store.create, 'p',
                          {}, {}, image_id=UUID)

    def test_update_is_validated_whole(self):
        self.store.create('p', {}, {PC: 'true'}, image_id=UUID)
        self.assertRaises(exception.InvalidImageProperty, self.store.update,
                          UUID, {'name': 'x'}, {PC: 'maybe'})
        self.assertEqual((None, {PC: 'true'}), (
            self.store.get(UUID)['name'],
            self.store.get(UUID)['properties']))
        image = self.store.update(UUID, {'name': 'x'}, {}, removed=[PC])
        self.assertEqual(('x', {}), (image['name'], image['properties']))
        self.assertRaises(image_store.ImageNotFound, self.store.update,
                          'nope', {}, {})

    def test_upload_once_and_protected_delete(self):
        self.store.create('p', {'protected': True}, {}, image_id=UUID)
        image = self.store.uploaded(UUID, 3, 'md5', 'sha')
        self.assertEqual(('active', 3), (image['status'], image['size']))
        self.assertRaises(image_store.ImageConflict, self.store.uploaded,
                          UUID, 3, 'md5', 'sha')
        self.assertRaises(image_store.ImageForbidden, self.store.delete,
                          UUID)
        self.store.update(UUID, {'protected': False}, {})
        self.store.delete(UUID)
        self.assertRaises(image_store.ImageNotFound, self.store.get, UUID)
        self.assertRaises(image_store.ImageNotFound, self.store.delete, UUID)
