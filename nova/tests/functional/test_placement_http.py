"""The same client against Placement served over real HTTP on loopback."""

import socketserver
import threading
from wsgiref import simple_server

from oslo_utils import uuidutils
from placement import deploy
from placement.tests.functional.fixtures import placement as placement_fx

from nova.compute import api as compute_api
from nova import context
from nova import objects
from nova.scheduler.client import placement
from nova.scheduler import manager
from nova import test


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        """Keep the test output free of access-log lines."""


class PlacementOverHTTPTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        fx = self.useFixture(placement_fx.PlacementFixture(
            use_intercept=False))
        app = deploy.loadapp(fx.conf_fixture.conf)
        server = simple_server.make_server(
            '127.0.0.1', 0, app, server_class=_Server,
            handler_class=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.flags(group='placement', endpoint_override='http://127.0.0.1:%d'
                   % server.server_port)

    def test_schedule_and_claim_over_http(self):
        self.assertFalse(placement.is_embedded(test.CONF))
        ctxt = context.RequestContext(project_id='p', user_id='u')
        rps = {}
        with placement.report_client(test.CONF) as client:
            for name, traits in (('a', ['COMPUTE_MIGRATE_POST_COPY']),
                                 ('b', [])):
                rps[name] = uuidutils.generate_uuid()
                client.sync_compute_node(objects.ComputeNode(
                    uuid=rps[name], host=name, hypervisor_hostname=name,
                    vcpus=4, memory_mb=4096, local_gb=40), traits)
            api = compute_api.API(manager.SchedulerManager(client))
            flavor = objects.Flavor(
                flavorid='f', name='f', vcpus=1, memory_mb=512,
                extra_specs={'compute:live_migration_post_copy': 'true'})
            instance = api.create(ctxt, flavor, {})
            self.assertEqual('a', instance.host)
            self.assertEqual({'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 0},
                             client.get_usages(rps['a']))
            self.assertEqual({'VCPU': 0, 'MEMORY_MB': 0, 'DISK_GB': 0},
                             client.get_usages(rps['b']))
