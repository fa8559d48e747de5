"""The deployment a scenario describes, started inside this process.

Hosts run on the simulated libvirt (one ``nova.sim`` network with a
virtual clock; per-host memory, CPUs, versions, vPMEM namespaces, NIC
limits and links that may vary, drawn from the scenario's ``seed``)
unless the scenario gives every host a ``libvirt_uri``: then each compute
service connects to that libvirtd and the clock is real.
"""

from nova import deployment
from nova.sim import clock as sim_clock
from nova.sim import libvirt as sim_libvirt
from nova.sim import links as sim_links
from nova.virt.libvirt import host as libvirt_host

GIB = 1024 ** 3
SIM_DEFAULTS = {'memory_mb': 65536, 'vcpus': 32, 'disk_gb': 1024,
                'libvirt_version': '9.0.0', 'qemu_version': '7.2.0'}


def version_number(text):
    """'9.0.0' as libvirt's 9000000."""
    major, minor, micro = (int(part) for part in text.split('.'))
    return major * 1000000 + minor * 1000 + micro


def link_profile(link, seed=0, index=0):
    """The nova.sim LinkProfile of one of a scenario's ``links``."""
    def part(cls, key):
        spec = link.get(key)
        return cls(**spec) if spec else None
    return sim_links.LinkProfile(
        link['bandwidth_mbps'],
        rtt_ms=link.get('rtt_ms', sim_links.DEFAULT_RTT_MS),
        jitter=link.get('jitter', 0.0),
        jitter_period_s=link.get('jitter_period_s', 1.0),
        dips=part(sim_links.Dips, 'dips'),
        flaky=part(sim_links.Flaky, 'flaky'),
        competing=part(sim_links.Competing, 'competing'),
        setup_time_s=link.get('setup_time_s'),
        setup_jitter=link.get('setup_jitter', 0.0),
        seed='%s/link%d' % (seed, index))


def pmem_option(namespaces):
    """[libvirt] pmem_namespaces for {label: [{name, size_gb}]}."""
    return ['%s:%s' % (label, '|'.join(ns['name'] for ns in spaces))
            for label, spaces in namespaces.items()]


class Cloud(object):
    """Compute hosts, their hypervisors and the clock of one run."""

    def __init__(self, scenario, ctxt, report_client, clock=None):
        """``clock`` drives simulated hosts (default: a VirtualClock)."""
        self.scenario = scenario
        self.hosts = scenario['hosts']
        self.real = all('libvirt_uri' in spec for spec in self.hosts.values())
        self.network = None
        if self.real:
            self.clock = sim_clock.RealClock()
        else:
            self.network = sim_libvirt.Network(
                clock if clock is not None else sim_clock.VirtualClock())
            self.clock = self.network.clock
        self.deployment = deployment.Deployment(
            ctxt, report_client,
            clock=self.clock if self.network is not None else None)

    def uri(self, name):
        spec = self.hosts[name]
        return spec.get('libvirt_uri') or 'sim://%s/system' % name

    def start(self):
        if self.network is not None:
            sim_libvirt.set_network(self.network)
            for name, spec in self.hosts.items():
                self._add_sim_host(name, spec)
            seed = self.scenario.get('seed', 0)
            for index, link in enumerate(self.scenario.get('links') or []):
                self.network.set_link(*link['hosts'],
                                      link_profile(link, seed, index))
        for name, spec in self.hosts.items():
            opts = dict(spec.get('libvirt') or {})
            if spec.get('pmem_namespaces'):
                opts['pmem_namespaces'] = pmem_option(
                    spec['pmem_namespaces'])
            limit = spec.get('max_concurrent_live_migrations')
            self.deployment.add_compute(
                name, uri=self.uri(name), libvirt_opts=opts,
                default_opts=None if limit is None else {
                    'max_concurrent_live_migrations': limit})

    def _add_sim_host(self, name, spec):
        spec = dict(SIM_DEFAULTS, **spec)
        namespaces = [(ns['name'], int(ns['size_gb'] * GIB))
                      for spaces in (spec.get('pmem_namespaces') or {}
                                     ).values()
                      for ns in spaces]
        sim_host = self.network.add_host(
            self.uri(name), name,
            lib_version=version_number(spec['libvirt_version']),
            qemu_version=version_number(spec['qemu_version']),
            memory_mb=spec['memory_mb'], cpus=spec['vcpus'],
            pmem_namespaces=namespaces or None,
            nic_mbps=spec.get('nic_mbps'))
        sim_host.disk_gb = spec['disk_gb']

    def close(self):
        if self.network is not None:
            self.network.fail_all_jobs('the scenario run ended')
            sim_libvirt.set_network(None)

    # -- what the scenario does to hosts and guests ----------------------

    def set_workload(self, instance_uuid, host, workload):
        """Give a simulated guest a workload (nova.sim.model.Workload)."""
        conn = libvirt_host.Host(self.uri(host)).get_connection()
        conn.lookupByUUIDString(instance_uuid).simSetWorkload(workload)

    def fail_host(self, name):
        """The host dies (its guests crash) and its service goes down."""
        self.network.fail_host(self.uri(name))
        self.deployment.service_down(name)

    def restore_host(self, name):
        """The host comes back; its service starts and cleans up."""
        self.network.restore_host(self.uri(name))
        self.deployment.service_up(name)

    def drop_link(self, src, dst, seconds):
        self.network.drop_link(self.uri(src), self.uri(dst), seconds)

    def pmem_owners(self):
        """{host: {namespace: owner}} of the simulated vPMEM devices."""
        if self.network is None:
            return None
        return {name: self.network.find_host(self.uri(name)).pmem.owners()
                for name in self.hosts}
