"""Liveness from heartbeats, and the refusal of SQLite for services."""

import datetime

from oslo_utils import timeutils

from nova import context
from nova import exception
from nova import objects
from nova import servicegroup
from nova import test
from nova.tests import fixtures as nova_fixtures


class DBServiceGroupTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.ctxt = context.get_admin_context()
        self.group = servicegroup.DBServiceGroup(1, 3, self.ctxt)

    def test_heartbeat_keeps_a_service_up(self):
        service = servicegroup.register(self.ctxt, 'h1', 'nova-compute')
        service.heartbeat()
        self.assertEqual(1, service.report_count)
        self.assertTrue(self.group.is_up('nova-compute', 'h1'))
        self.assertEqual(['h1'], self.group.hosts('nova-compute'))
        # Registering again finds the same row.
        self.assertEqual(service.id, servicegroup.register(
            self.ctxt, 'h1', 'nova-compute').id)

    def test_silent_forced_or_unknown_service_is_down(self):
        service = servicegroup.register(self.ctxt, 'h1', 'nova-compute')
        service.heartbeat()
        old = timeutils.utcnow(with_timezone=True) - datetime.timedelta(
            seconds=10)
        stale = objects.Service.get_by_host_and_binary(
            self.ctxt, 'h1', 'nova-compute')
        stale.last_seen_up = old
        stale.updated_at = old
        self.assertFalse(self.group.service_is_up(stale))
        stale.last_seen_up = timeutils.utcnow(with_timezone=True)
        stale.forced_down = True
        self.assertFalse(self.group.service_is_up(stale))
        self.assertFalse(self.group.is_up('nova-compute', 'h9'))

    def test_down_time_not_longer_than_reports_is_raised(self):
        self.assertEqual(25, servicegroup.effective_down_time(10, 10))
        self.assertEqual(60, servicegroup.effective_down_time(10, 60))


class SQLiteRefusedTestCase(test.NoDBTestCase):

    def test_sqlite_refused_for_a_service_process(self):
        from nova import service
        exc = self.assertRaises(exception.MultiProcessSQLite,
                                service.check_database, 'nova-conductor',
                                'sqlite:////var/lib/nova/nova.sqlite')
        self.assertIn('[database] connection', str(exc))
        self.assertIn('PostgreSQL', str(exc))
        service.check_database('nova-conductor',
                               'postgresql+psycopg2://n:n@db/nova')
