"""A whole deployment per test: database, real Placement, simulated hosts.

Every compute host runs its own ComputeManager with a libvirt driver on
the simulated libvirt (virtual clock); the conductor, the scheduler and
the compute API are the project's own, talking to the real Placement
service on in-memory SQLite.
"""

import dataclasses

import fixtures

from nova.compute import audit
from nova import context
from nova import deployment
from nova import objects
from nova.sim import model
from nova import test
from nova.tests import fixtures as nova_fixtures

GIB = 1024 ** 3
#: Two vPMEM namespaces labelled SMALL and one LARGE on every vPMEM host.
PMEM_NAMESPACES = [('ns0', 4 * GIB), ('ns1', 4 * GIB), ('ns2', 8 * GIB)]
PMEM_OPTION = ['SMALL:ns0|ns1', 'LARGE:ns2']


def flavor(name='small', vcpus=2, memory_mb=2048, root_gb=10, **specs):
    return objects.Flavor(flavorid=name, name=name, vcpus=vcpus,
                          memory_mb=memory_mb, root_gb=root_gb,
                          extra_specs={k.replace('__', ':'): v
                                       for k, v in specs.items()})


class DeploymentFixture(fixtures.Fixture):
    """Hosts: {name: {'pmem': bool, 'lib_version': int, 'qemu_version':
    int, 'memory_mb': int, 'cpus': int, 'nic_mbps': float, 'libvirt_opts':
    {...}, 'default_opts': {...}}}; every host gets vPMEM namespaces
    unless ``pmem`` is False.
    """

    def __init__(self, hosts=None):
        super().__init__()
        self.host_specs = hosts or {'src': {}, 'dst': {}}

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.placement = self.useFixture(nova_fixtures.PlacementFixture())
        self.sim = self.useFixture(nova_fixtures.SimLibvirtFixture(hosts=()))
        self.network = self.sim.network
        self.ctxt = context.get_admin_context()
        self.deployment = deployment.Deployment(
            self.ctxt, self.placement.client, clock=self.network.clock)
        for name, spec in self.host_specs.items():
            pmem = spec.get('pmem', True)
            sim_kwargs = {'pmem_namespaces': PMEM_NAMESPACES if pmem
                          else None}
            for key in ('lib_version', 'qemu_version', 'memory_mb', 'cpus',
                        'nic_mbps'):
                if key in spec:
                    sim_kwargs[key] = spec[key]
            self.sim.hosts[name] = self.network.add_host(
                self.sim.uri(name), name, **sim_kwargs)
            opts = dict(spec.get('libvirt_opts', {}))
            if pmem:
                opts.setdefault('pmem_namespaces', PMEM_OPTION)
            self.deployment.add_compute(
                name, libvirt_opts=opts, default_opts=spec.get('default_opts'))

    @property
    def conductor(self):
        return self.deployment.conductor

    @property
    def api(self):
        return self.deployment.api

    def compute(self, name):
        return self.deployment.compute(name)

    def boot(self, flavor_obj, image=None, host=None, workload=None):
        """Boot an instance (on ``host`` if given) running ``workload``."""
        instance = self.deployment.api.create(self.ctxt, flavor_obj,
                                              image or {}, host=host)
        workload = workload or model.Workload.idle(flavor_obj.memory_mb)
        if not workload.disk_gb:
            # The guest's local disk is the flavor's (block migrations
            # copy it).
            workload = dataclasses.replace(workload,
                                           disk_gb=flavor_obj.disk_gb)
        self.set_workload(instance, workload)
        return instance

    def set_workload(self, instance, workload):
        sim_host = self.sim.hosts[instance.host]
        record = sim_host.get_domain(instance.uuid)
        record.workload = workload

    def pmem_owners(self):
        """{host: {namespace name: owner}} from the simulated devices."""
        return {name: sim_host.pmem.owners()
                for name, sim_host in self.sim.hosts.items()}

    def problems(self):
        return audit.check(self.ctxt, self.deployment,
                           pmem_owners=self.pmem_owners())

    def allocations(self, consumer):
        held = self.placement.client.get_allocations_for_consumer(
            consumer).get('allocations', {})
        names = {p['uuid']: p['name']
                 for p in self.placement.client.get_providers()}
        return {names[rp]: alloc['resources'] for rp, alloc in held.items()}


class DeploymentTestCase(test.NoDBTestCase):

    HOSTS = None

    def setUp(self):
        super().setUp()
        self.cloud = self.useFixture(DeploymentFixture(self.HOSTS))
        self.ctxt = self.cloud.ctxt

    def assert_consistent(self):
        self.assertEqual([], self.cloud.problems())
