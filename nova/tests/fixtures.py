"""Fixtures shared by the functional tests."""

import fixtures
from oslo_utils import uuidutils
from placement import deploy
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
        self.placement = self.useFixture(
            placement_fx.PlacementFixture(use_intercept=False))
        # Served one request at a time, as the embedded Placement is: the
        # test database is one in-memory SQLite connection.
        app = placement.SerializedApp(
            deploy.loadapp(self.placement.conf_fixture.conf))
        self.endpoint = 'http://%s/placement' % uuidutils.generate_uuid()
        interception = placement.intercepted(app, self.endpoint)
        interception.__enter__()
        self.addCleanup(interception.__exit__, None, None, None)
        self.adapter = placement.noauth_adapter(self.endpoint)
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


class SimLibvirtFixture(fixtures.Fixture):
    """A fresh simulated data centre, with a virtual clock, per test."""

    def __init__(self, hosts=('src', 'dst'), **host_kwargs):
        super().__init__()
        self._hosts = hosts
        self._host_kwargs = host_kwargs

    def setUp(self):
        super().setUp()
        from nova.sim import clock
        from nova.sim import libvirt as sim_libvirt

        self.libvirt = sim_libvirt
        self.network = sim_libvirt.Network(clock.VirtualClock())
        sim_libvirt.set_network(self.network)
        self.addCleanup(sim_libvirt.set_network, None)
        self.addCleanup(self.network.fail_all_jobs)
        self.hosts = {name: self.network.add_host(self.uri(name), name,
                                                  **self._host_kwargs)
                      for name in self._hosts}

    @staticmethod
    def uri(name):
        return 'sim://%s/system' % name

    def boot(self, host_name, instance, workload):
        """Start the instance's domain on a host with a workload."""
        from nova.virt.libvirt import host as libvirt_host

        xml = ("<domain type='qemu'><name>instance-%s</name><uuid>%s</uuid>"
               "<memory unit='MiB'>%d</memory><vcpu>%d</vcpu></domain>" % (
                   instance.uuid[:8], instance.uuid,
                   instance.flavor.memory_mb, instance.flavor.vcpus))
        host = libvirt_host.Host(self.uri(host_name))
        guest = host.define_guest(xml)
        host.get_connection().lookupByUUIDString(
            instance.uuid).simSetWorkload(workload)
        return guest

    def where(self, instance):
        """{host name: domain state} for every host holding the domain."""
        found = {}
        for name, sim_host in self.hosts.items():
            record = sim_host.get_domain(instance.uuid)
            if record is not None:
                found[name] = record.state
        return found


class Database(fixtures.Fixture):
    """A fresh in-memory SQLite database at the schema head, per test.

    Use it in a test's setUp::

        self.useFixture(fixtures.Database())

    ``nova.db.api`` (and so the objects' persistence) then works on this
    test's own database, reachable as ``self.engine`` for direct queries;
    afterwards ``nova.db.api.context_manager`` is put back as it was.

    The schema is built once per process by running the alembic revisions
    on a template database; each test gets a copy of the template through
    sqlite3's backup API (a few milliseconds per test).  Threads
    share the database: oslo.db serves in-memory SQLite from one
    connection (StaticPool) and ``nova.db.api`` serializes its use.
    """

    _template = None

    @classmethod
    def _template_engine(cls):
        from oslo_db.sqlalchemy import engines

        from nova.db import migration

        if cls._template is None:
            engine = engines.create_engine('sqlite://')
            with engine.begin() as connection:
                migration.upgrade(connection)
            cls._template = engine
        return cls._template

    def setUp(self):
        super().setUp()
        from oslo_db.sqlalchemy import enginefacade
        from oslo_db.sqlalchemy import engines
        from oslo_db.sqlalchemy import orm

        from nova.db import api

        self.engine = engines.create_engine('sqlite://')
        self.addCleanup(self.engine.dispose)
        template = self._template_engine().raw_connection()
        target = self.engine.raw_connection()
        try:
            template.driver_connection.backup(target.driver_connection)
        finally:
            target.close()
            template.close()
        factory = enginefacade._TestTransactionFactory(
            self.engine, orm.get_maker(engine=self.engine),
            apply_global=False, from_factory=api.context_manager._factory)
        self.addCleanup(api.context_manager.patch_factory(factory))
