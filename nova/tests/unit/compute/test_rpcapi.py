"""ComputeAPI: in-process calls that behave like RPC."""

from unittest import mock

from nova.compute import rpcapi
from nova import exception
from nova import objects
from nova import test


class _Manager(object):
    host = 'h1'
    service_up = True

    def __init__(self):
        self.seen = []

    def pre_live_migration(self, flavor, name=None):
        flavor.name = 'changed by the callee'
        self.seen.append((flavor, name))
        return 'ready'


class ComputeAPITestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.api = rpcapi.ComputeAPI()
        self.manager = _Manager()
        self.api.register(self.manager)
        self.flavor = objects.Flavor(flavorid='f', name='f', vcpus=1,
                                     memory_mb=1)

    def test_call_hands_over_copies(self):
        self.assertEqual('ready', self.api.call(
            'h1', 'pre_live_migration', self.flavor, name='x'))
        passed, name = self.manager.seen[0]
        self.assertIsNot(self.flavor, passed)
        self.assertEqual('f', self.flavor.name)
        self.assertEqual('x', name)

    def test_down_or_unknown_host(self):
        self.manager.service_up = False
        exc = self.assertRaises(exception.ComputeServiceUnavailable,
                                self.api.call, 'h1', 'pre_live_migration',
                                self.flavor)
        self.assertIn('h1', str(exc))
        self.assertRaises(exception.ComputeServiceUnavailable,
                          self.api.service, 'h9')
        self.assertFalse(self.api.is_up('h9'))

    def test_only_service_methods(self):
        self.manager.init_host = mock.Mock()
        self.assertRaises(ValueError, self.api.call, 'h1', 'init_host')
        self.manager.init_host.assert_not_called()


class ServiceRegistryTestCase(test.NoDBTestCase):
    """Operators' settings: forced down counts as down."""

    def setUp(self):
        super().setUp()
        from nova.compute import service_status

        self.registry = service_status.ServiceRegistry()
        self.api = rpcapi.ComputeAPI(self.registry)
        self.api.register(_Manager())
        self.record = self.registry.list()[0]

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
        self.assertRaises(exception.ComputeServiceUnavailable,
                          self.api.call, 'h1', 'pre_live_migration', None)
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
