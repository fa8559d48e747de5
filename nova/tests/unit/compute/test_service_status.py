"""The operators' settings of services kept in the ``services`` table."""

import datetime

from oslo_utils import timeutils

from nova.compute import service_status
from nova import context
from nova import objects
from nova import servicegroup
from nova import test
from nova.tests import fixtures as nova_fixtures


class DBServiceRegistryTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.ctxt = context.get_admin_context()
        self.group = servicegroup.DBServiceGroup(1, 3, self.ctxt)
        self.registry = service_status.DBServiceRegistry(self.group)
        # The services register themselves, as their processes do.
        self.compute = servicegroup.register(self.ctxt, 'h1', 'nova-compute')
        self.compute.heartbeat()
        self.conductor = servicegroup.register(self.ctxt, 'ctl',
                                               'nova-conductor')
        self.record = [r for r in self.registry.list()
                       if r.binary == 'nova-compute'][0]

    def test_records_of_registered_services(self):
        self.assertEqual(
            [('nova-compute', 'h1'), ('nova-conductor', 'ctl')],
            sorted((r.binary, r.host) for r in self.registry.list()))
        self.assertEqual(self.compute.uuid, self.record.uuid)
        self.assertEqual(self.record, self.registry.get(self.record.uuid))
        self.assertIsNone(self.registry.get('nope'))

    def test_disable_is_seen_by_another_registry(self):
        old, new = self.registry.update(self.record.uuid, disabled=True,
                                        disabled_reason='maintenance')
        self.assertEqual((False, True), (old.disabled, new.disabled))
        other = service_status.DBServiceRegistry(self.group)
        self.assertTrue(other.is_disabled('h1'))
        self.assertFalse(other.is_enabled('h1'))
        self.assertEqual('maintenance',
                         other.get(self.record.uuid).disabled_reason)
        # Unknown hosts are neither disabled nor forced down.
        self.assertTrue(other.is_enabled('h9'))
        self.assertFalse(other.is_forced_down('h9'))

    def test_forced_down_makes_the_service_down(self):
        self.registry.update(self.record.uuid, forced_down=True)
        self.assertTrue(self.registry.is_forced_down('h1'))
        self.assertFalse(self.group.is_up('nova-compute', 'h1'))
        # A heartbeat reads the setting back in the service's process.
        self.compute.heartbeat()
        self.assertTrue(self.compute.forced_down)
        self.registry.update(self.record.uuid, forced_down=False)
        self.assertTrue(self.group.is_up('nova-compute', 'h1'))

    def test_liveness_of_other_services_from_heartbeats(self):
        conductor = [r for r in self.registry.list()
                     if r.binary == 'nova-conductor'][0]
        self.conductor.heartbeat()
        self.assertTrue(self.registry.alive(conductor))
        stale = timeutils.utcnow() - datetime.timedelta(seconds=60)
        row = objects.Service.get_by_host_and_binary(self.ctxt, 'ctl',
                                                     'nova-conductor')
        row.last_seen_up = row.created_at = stale
        row.save()
        self.assertFalse(self.registry.alive(conductor))
        self.conductor.heartbeat()
        self.assertTrue(self.registry.alive(conductor))

    def test_only_settings_change(self):
        self.assertRaises(ValueError, self.registry.update, self.record.uuid,
                          host='elsewhere')
        self.assertEqual((None, None), self.registry.update(
            'nope', disabled=True))


class ServiceObjectTestCase(test.NoDBTestCase):

    def test_backport_drops_the_settings(self):
        service = objects.Service(host='h1', binary='nova-compute',
                                  uuid='6b1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
                                  disabled=True, disabled_reason='x',
                                  forced_down=False)
        primitive = service.obj_to_primitive(target_version='1.0')
        data = primitive['nova_object.data']
        self.assertEqual({'host', 'binary', 'forced_down'}, set(data))
