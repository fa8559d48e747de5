"""Server and migration documents."""

import ddt

from nova.api.openstack.compute import views
from nova import objects
from nova.objects import fields
from nova import test


@ddt.ddt
class ViewsTestCase(test.NoDBTestCase):

    @ddt.data(('active', None, 'ACTIVE'), ('active', 'migrating',
                                           'MIGRATING'),
              ('active', 'rebuilding', 'REBUILD'),
              ('active', 'deleting', 'ACTIVE'), ('building', None, 'BUILD'),
              ('paused', None, 'PAUSED'), ('stopped', None, 'SHUTOFF'),
              ('error', None, 'ERROR'))
    @ddt.unpack
    def test_server_status(self, vm_state, task_state, status):
        instance = objects.Instance(vm_state=vm_state, task_state=task_state)
        self.assertEqual(status, views.server_status(instance))

    def test_post_copy_spelled_as_nova(self):
        shown = views.api_migration_status(fields.MigrationStatus.POST_COPY)
        self.assertEqual('running (post-copy)', shown)
        self.assertEqual(fields.MigrationStatus.POST_COPY,
                         views.internal_migration_status(shown))
        self.assertEqual('running', views.api_migration_status('running'))
        self.assertEqual('running',
                         views.internal_migration_status('running'))
