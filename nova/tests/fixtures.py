"""Fixtures shared by the functional tests."""

import fixtures
from oslo_utils import uuidutils
from placement.tests.functional.fixtures import placement as placement_fx

from nova import objects
from nova.scheduler.client import placement
from nova.scheduler.client import report


class PlacementFixture(fixtures.Fixture):
    """The real Placement service on a fresh in-memory SQLite database.

    It is reached through wsgi-intercept with the project's own client.
    """

    def setUp(self):
        super().setUp()
        self.placement = self.useFixture(placement_fx.PlacementFixture())
        self.adapter = placement.noauth_adapter(self.placement.endpoint)
        self.client = report.SchedulerReportClient(self.adapter)

    def add_host(self, name, traits=(), vcpus=8, memory_mb=8192,
                 local_gb=100):
        """Register a compute node's provider; returns its uuid."""
        node = objects.ComputeNode(
            uuid=uuidutils.generate_uuid(), host=name,
            hypervisor_hostname=name, vcpus=vcpus, memory_mb=memory_mb,
            local_gb=local_gb)
        self.client.sync_compute_node(node, traits)
        return node.uuid

    def all_usages(self):
        """{provider name: usages} across every provider."""
        return {p['name']: self.client.get_usages(p['uuid'])
                for p in self.client.get_providers()}
