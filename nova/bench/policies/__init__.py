"""The policies the benchmark compares, by name.

A policy is what a source host is configured with (``[libvirt]`` options:
which of post-copy and auto-converge it permits, the project monitor's
timers), the object that decides while a migration runs (the driver's
``monitor_factory``; ``None`` is the project's own monitor) and how many
migrations the host runs at once.

``project`` is the project's SLA policy (nova.virt.libvirt.sla_policy,
the driver's default monitor) with every option at its default, told each
guest's SLA tier and each case's purpose, four migrations at once per host;
variants of it are registered as ``project:<variant>`` (see
:func:`register`).  The
references are named after their anchor: upstream Nova, oVirt and KubeVirt
as documented, each written from the rules (see the modules of this
package), never from their code.
"""

import dataclasses
import functools

from nova.bench.policies import kubevirt
from nova.bench.policies import nova_upstream
from nova.bench.policies import ovirt

ORACLE = 'oracle'
PROJECT = 'project'
#: The references choose their features as before SLA tiers: from the
#: host's options, set explicitly (unset, the host's default tier would).
PERMIT_NONE = {'live_migration_permit_post_copy': False,
               'live_migration_permit_auto_converge': False}
PERMIT_POST_COPY = dict(PERMIT_NONE, live_migration_permit_post_copy=True)
PERMIT_AUTO_CONVERGE = dict(PERMIT_NONE,
                            live_migration_permit_auto_converge=True)
#: Migrations at once per host under the project's policy.
PROJECT_CONCURRENCY = 4


@dataclasses.dataclass(frozen=True)
class Policy:
    name: str
    #: One line for tables and charts.
    title: str
    #: Where its rules come from.
    source: str
    libvirt_opts: dict = dataclasses.field(default_factory=dict)
    #: Called as migration.Monitor; None: the driver's default (the
    #: project's SLA policy).
    monitor: object = None
    #: Live migrations at once from one host.
    max_concurrent: int = 1
    #: The instances' flavors name their SLA tier and the migrations
    #: carry the case's purpose (the project's policy); references know
    #: neither.
    knows_sla: bool = False


_REGISTRY = {}


def register(policy):
    """Add a policy; ``project:<variant>`` names a variant of the
    project's own (any ``[libvirt]`` options, another monitor).
    """
    name = policy.name
    if name in _REGISTRY or name == ORACLE:
        raise ValueError('policy %s is already registered' % name)
    if name.startswith(PROJECT + ':') and not name[len(PROJECT) + 1:]:
        raise ValueError('a project variant needs a name after "project:"')
    _REGISTRY[name] = policy
    return policy


def unregister(name):
    _REGISTRY.pop(name, None)


def get(name):
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError('unknown policy %r; known: %s' % (
            name, ', '.join(names())))


def names():
    """Registered names: the project first, its variants, then the
    references in registration order.
    """
    project = [n for n in _REGISTRY
               if n == PROJECT or n.startswith(PROJECT + ':')]
    return project + [n for n in _REGISTRY if n not in project]


NOVA = 'upstream Nova 34.0.0 (anchors: upstream-nova, migration-policies)'
OVIRT = 'oVirt VDSM + engine convergence schedules (anchors)'
KUBEVIRT = 'KubeVirt (anchors)'

register(Policy(
    PROJECT, "the project's SLA policy, default options",
    "this project's nova.virt.libvirt.sla_policy", knows_sla=True,
    max_concurrent=PROJECT_CONCURRENCY))
register(Policy(
    'nova-defaults', 'Nova defaults: 500 ms / 10 steps / 75 s/GiB, '
    'abort at 800 s/GiB', NOVA, libvirt_opts=PERMIT_NONE,
    monitor=nova_upstream.NovaUpstream))
register(Policy(
    'nova-tuned', 'Nova as operators tune it: post-copy, force-complete '
    'at 30 s/GiB', NOVA, libvirt_opts=PERMIT_POST_COPY,
    monitor=functools.partial(nova_upstream.NovaUpstream,
                              completion_s_per_gib=30,
                              timeout_action='force_complete')))
register(Policy(
    'nova-auto-converge', 'Nova defaults with auto-converge', NOVA,
    libvirt_opts=PERMIT_AUTO_CONVERGE, monitor=nova_upstream.NovaUpstream))
register(Policy(
    'ovirt-minimal-downtime', 'oVirt "minimal downtime" schedule, '
    'auto-converge', OVIRT, libvirt_opts=PERMIT_AUTO_CONVERGE,
    monitor=functools.partial(ovirt.OvirtSchedule,
                              schedule='minimal-downtime'),
    max_concurrent=2))
register(Policy(
    'ovirt-post-copy', 'oVirt "post-copy" schedule', OVIRT,
    libvirt_opts=PERMIT_POST_COPY,
    monitor=functools.partial(ovirt.OvirtSchedule, schedule='post-copy'),
    max_concurrent=2))
register(Policy(
    'ovirt-suspend-workload', 'oVirt "suspend workload if needed" '
    'schedule, auto-converge (no compression)', OVIRT,
    libvirt_opts=PERMIT_AUTO_CONVERGE,
    monitor=functools.partial(ovirt.OvirtSchedule,
                              schedule='suspend-workload'),
    max_concurrent=2))
register(Policy(
    'kubevirt-legacy', 'KubeVirt legacy monitor: 150 s/GiB, progress '
    'timeout 150 s, defaults (no post-copy)', KUBEVIRT,
    libvirt_opts=PERMIT_NONE, monitor=kubevirt.KubevirtLegacy,
    max_concurrent=2))
register(Policy(
    'kubevirt-stall-detector', 'KubeVirt stall detector (VEP 248), '
    'post-copy allowed', KUBEVIRT, libvirt_opts=PERMIT_POST_COPY,
    monitor=kubevirt.KubevirtStallDetector, max_concurrent=2))
