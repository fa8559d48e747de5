"""The local transport serializes every message as the wire does."""

import threading

import oslo_messaging as messaging

from nova import context
from nova import exception
from nova import objects
from nova import rpc
from nova import test


class _Endpoint(object):
    target = messaging.Target(version=rpc.RPC_VERSION)

    def __init__(self):
        self.casts = []

    def echo(self, ctxt, value):
        return value

    def fail(self, ctxt):
        raise exception.MigrationNotFound(migration_id=7)

    @messaging.expected_exceptions(exception.NovaException)
    def fail_expectedly(self, ctxt):
        raise exception.MigrationNotFound(migration_id=8)

    def crash(self, ctxt):
        raise RuntimeError('boom')

    def remember(self, ctxt, value):
        self.casts.append((value, threading.current_thread().name))

    def whoami(self, ctxt):
        return rpc.current_service().binary


class LocalTransportTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.transport = rpc.LocalTransport()
        self.endpoint = _Endpoint()
        self.server = rpc.get_server(
            self.transport, messaging.Target(topic='t', server='s'),
            [self.endpoint], 'nova-test')
        self.server.start()
        self.client = rpc.get_client(
            self.transport, messaging.Target(topic='t')).prepare(server='s')
        self.ctxt = context.RequestContext(project_id='p', user_id='u')

    def test_objects_and_plain_values_round_trip(self):
        flavor = objects.Flavor(flavorid='f', name='f', vcpus=1,
                                memory_mb=1)
        got = self.client.call(self.ctxt, 'echo', value={'f': [flavor]})
        self.assertIsInstance(got['f'][0], objects.Flavor)
        self.assertIsNot(flavor, got['f'][0])
        self.assertEqual((1, 1), (got['f'][0].vcpus,
                                  got['f'][0].memory_mb))

    def test_json_turns_tuples_into_lists(self):
        # As over RabbitMQ: a tuple arrives as a list.
        self.assertEqual([1, 2], self.client.call(self.ctxt, 'echo',
                                                  value=(1, 2)))

    def test_value_that_cannot_cross_the_wire_fails(self):
        self.assertRaises((TypeError, ValueError), self.client.call,
                          self.ctxt, 'echo', value=object())

    def test_typed_errors_cross_as_remote_subclasses(self):
        for method in ('fail', 'fail_expectedly'):
            exc = self.assertRaises(exception.MigrationNotFound,
                                    self.client.call, self.ctxt, method)
            self.assertTrue(type(exc).__name__.endswith('_Remote'))

    def test_builtin_errors_keep_their_class(self):
        exc = self.assertRaises(RuntimeError, self.client.call, self.ctxt,
                                'crash')
        self.assertIn('boom', str(exc))

    def test_unknown_method(self):
        self.assertRaises(messaging.RemoteError, self.client.call,
                          self.ctxt, '_private')

    def test_casts_wait_for_a_stopped_server(self):
        self.server.stop()
        self.assertRaises(messaging.MessagingTimeout, self.client.call,
                          self.ctxt, 'echo', value=1)
        self.client.cast(self.ctxt, 'remember', value=1)
        self.assertEqual([], self.endpoint.casts)
        self.server.start()
        self.assertEqual([1], [v for v, _t in self.endpoint.casts])

    def test_async_casts_run_in_their_own_thread(self):
        self.transport.async_casts = True
        self.client.cast(self.ctxt, 'remember', value=2)
        for _ in range(200):
            if self.endpoint.casts:
                break
            threading.Event().wait(0.01)
        self.assertEqual('cast-remember', self.endpoint.casts[0][1])

    def test_endpoint_runs_as_its_service(self):
        self.assertIsNone(rpc.current_service())
        self.assertEqual('nova-test', self.client.call(self.ctxt, 'whoami'))

    def test_notify_serializes(self):
        got = []
        self.transport.listen('k', got.append)
        progress = objects.MigrationProgress(
            migration_uuid='4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f',
            status='running', memory_total=5)
        rpc.notify(self.transport, self.ctxt, 'k', progress)
        self.transport.unlisten('k', got.append)
        rpc.notify(self.transport, self.ctxt, 'k', progress)
        self.assertEqual(1, len(got))
        self.assertIsNot(progress, got[0])
        self.assertEqual(5, got[0].memory_total)
