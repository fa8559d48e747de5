"""Server and migration documents."""

import ddt

from unittest import mock

from oslo_utils import timeutils

from nova.api.openstack.compute import drain
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

    def _migration(self, **kw):
        values = dict(id=1, uuid='u', instance_uuid='i', status='running',
                      source_compute='a', source_node='a', dest_compute='b',
                      dest_node='b', migration_type='live-migration',
                      created_at=None, updated_at=None)
        values.update({name: None for name in (
            'memory_total', 'memory_processed', 'memory_remaining',
            'disk_total', 'disk_processed', 'disk_remaining')})
        values.update(kw)
        return objects.Migration(**values)

    def test_purpose_of_live_migrations(self):
        req = mock.Mock(host_url='http://h')
        req.at_least.return_value = True
        for mig, shown in (
                (self._migration(purpose='rebalance'), 'rebalance'),
                # Records written before the purpose existed.
                (self._migration(purpose=None), 'maintenance'),
                (self._migration(), 'maintenance'),
                (self._migration(migration_type='evacuation'), None)):
            self.assertEqual(shown, views.migration(req, mig)[
                views.PURPOSE_FIELD])
            self.assertEqual(shown, views.server_migration(req, mig, None)[
                views.PURPOSE_FIELD])

    def test_drain(self):
        doc = drain.drain_view(objects.HostDrain(
            host='src', purpose='evacuate-host', state='partial',
            max_concurrent=2, order='largest-memory-first',
            started_at=timeutils.parse_isotime('2026-11-29T10:00:00Z'),
            finished_at=None, elapsed_s=12.5, entries=[
                objects.HostDrainEntry(
                    instance_uuid='0e1b5c5e-5a3c-4b3e-9d3e-2f1a0b9c8d7e',
                    name='vm', memory_mb=2048, result='refused',
                    migration_uuid=None, dest=None, error='no room',
                    started_s=0.0, finished_s=0.1, outcome=None)]))
        self.assertEqual({
            'host': 'src', 'purpose': 'evacuate-host', 'state': 'partial',
            'max_concurrent_live_migrations': 2,
            'order': 'largest-memory-first',
            'started_at': '2026-11-29T10:00:00.000000', 'finished_at': None,
            'elapsed_seconds': 12.5,
            'counts': {'queued': 0, 'moving': 0, 'moved': 0, 'refused': 1,
                       'failed': 0, 'error': 0, 'gone': 0},
            'servers': [{'id': '0e1b5c5e-5a3c-4b3e-9d3e-2f1a0b9c8d7e',
                         'name': 'vm', 'memory_mb': 2048,
                         'result': 'refused', 'migration_uuid': None,
                         'dest_compute': None, 'error': 'no room'}]}, doc)
