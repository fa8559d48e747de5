"""ComputeAPI on the local transport: calls, casts and their failures."""

import oslo_messaging as messaging

from nova.compute import rpcapi
from nova import context
from nova import exception
from nova import objects
from nova import rpc
from nova import servicegroup
from nova import test


class _Manager(object):
    target = messaging.Target(version=rpc.RPC_VERSION)

    def __init__(self):
        self.seen = []

    def guest_power_state(self, ctxt, instance):
        instance.display_name = 'changed by the callee'
        self.seen.append((ctxt, instance))
        return 'running'

    def live_migration(self, ctxt, instance, dest, migration, migrate_data):
        self.seen.append((dest, migrate_data))

    def hypervisor_guests(self, ctxt):
        raise exception.ComputeResourcesUnavailable(
            host='h1', instance_uuid='u', reason='testing')


class ComputeAPITestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.transport = rpc.LocalTransport()
        self.api = rpcapi.ComputeAPI(
            self.transport, servicegroup.LocalServiceGroup(self.transport))
        self.manager = _Manager()
        self.server = rpc.get_server(
            self.transport, messaging.Target(topic='compute', server='h1'),
            [self.manager], rpcapi.BINARY)
        self.server.start()
        self.ctxt = context.RequestContext(project_id='p', user_id='u')
        self.instance = objects.Instance(uuid='u', display_name='vm')

    def test_call_hands_over_copies(self):
        self.assertEqual('running', self.api.guest_power_state(
            self.ctxt, 'h1', self.instance))
        ctxt, passed = self.manager.seen[0]
        self.assertIsNot(self.instance, passed)
        self.assertIsInstance(passed, objects.Instance)
        self.assertEqual('vm', self.instance.display_name)
        self.assertEqual('p', ctxt.project_id)

    def test_cast_returns_nothing(self):
        data = objects.LiveMigrateData(dest_host='h2', copied_disk_gb=[2])
        self.assertIsNone(self.api.live_migration(
            self.ctxt, 'h1', self.instance, 'h2', objects.Migration(),
            data))
        dest, got = self.manager.seen[0]
        self.assertEqual(('h2', [2]), (dest, got.copied_disk_gb))

    def test_typed_error_crosses_the_wire(self):
        exc = self.assertRaises(exception.ComputeResourcesUnavailable,
                                self.api.hypervisor_guests, self.ctxt, 'h1')
        self.assertIn('testing', str(exc))
        self.assertEqual('h1', exc.kwargs['host'])

    def test_down_or_unknown_host(self):
        self.server.stop()
        self.assertFalse(self.api.is_up('h1'))
        exc = self.assertRaises(exception.ComputeServiceUnavailable,
                                self.api.guest_power_state, self.ctxt, 'h1',
                                self.instance)
        self.assertIn('h1', str(exc))
        self.assertIn('guest_power_state', str(exc))
        self.assertFalse(self.api.is_up('h9'))
        self.assertEqual(['h1'], self.api.hosts())


class ServiceRegistryTestCase(test.NoDBTestCase):
    """Operators' settings: forced down counts as down."""

    def setUp(self):
        super().setUp()
        from nova.compute import service_status

        self.registry = service_status.ServiceRegistry()
        transport = rpc.LocalTransport()
        self.api = rpcapi.ComputeAPI(
            transport, servicegroup.LocalServiceGroup(transport),
            self.registry)
        rpc.get_server(transport, messaging.Target(topic='compute',
                                                   server='h1'),
                       [_Manager()], rpcapi.BINARY).start()
        self.registry.ensure(service_status.COMPUTE, 'h1')
        self.record = self.registry.list()[0]
        self.ctxt = context.RequestContext(project_id='p', user_id='u')

    def test_registered_compute_has_a_record(self):
        self.assertEqual(('nova-compute', 'h1', False, False),
                         (self.record.binary, self.record.host,
                          self.record.disabled, self.record.forced_down))
        self.assertTrue(self.api.is_up('h1'))

    def test_forced_down_is_down(self):
        old, new = self.registry.update(self.record.uuid, forced_down=True)
        self.assertFalse(old.forced_down)
        self.assertTrue(new.forced_down)
        self.assertFalse(self.api.is_up('h1'))
        self.assertFalse(self.api.is_up('h1'))
        self.registry.update(self.record.uuid, forced_down=False)
        self.assertTrue(self.api.is_up('h1'))

    def test_disabled_is_still_up(self):
        self.registry.update(self.record.uuid, disabled=True,
                             disabled_reason='maintenance')
        self.assertTrue(self.api.is_up('h1'))
        self.assertTrue(self.registry.is_disabled('h1'))
        self.assertEqual('maintenance',
                         self.registry.get(self.record.uuid).disabled_reason)

    def test_unknown_changes_and_records(self):
        self.assertRaises(ValueError, self.registry.update, self.record.uuid,
                          host='other')
        self.assertEqual((None, None), self.registry.update('nope',
                                                            disabled=True))
        self.assertIsNone(self.registry.get('nope'))
        self.assertFalse(self.registry.is_disabled('unknown-host'))
