"""The same client against Placement served over real HTTP on loopback."""

from oslo_utils import uuidutils

from nova.compute import api as compute_api
from nova import context
from nova import objects
from nova.scheduler.client import placement
from nova.scheduler import manager
from nova import test
from nova.tests import fixtures as nova_fixtures


class PlacementOverHTTPTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        server = self.useFixture(nova_fixtures.PlacementOverHTTP())
        self.flags(group='placement', endpoint_override=server.endpoint)

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
