"""Is the deployment consistent?  Guests, Placement, claims, contexts,
devices.

After any move -- completed, failed, aborted or broken by a fault -- and
once no move is in progress, these must hold:

* every instance's guest runs exactly once, on the host the database
  names and in the power state its vm_state implies (active: running,
  paused: paused, stopped: shut off or gone); no hypervisor holds a domain
  that belongs to no instance, nor a leftover of an instance that lives
  elsewhere.  Hosts whose service is down cannot be asked: their
  instances are reported as unverified, not as consistent;
* each instance's Placement allocation is exactly its flavor's resources on
  its host's provider, and no other consumer (a migration) holds anything;
  every provider in Placement is a compute node the database knows, and
  every compute node has its provider;
* no instance keeps a migration context, no task state, and every
  migration is in a final status;
* every compute host's tracker counts exactly the instances living there
  and no move;
* every vPMEM namespace with data belongs to the instance the database
  assigns it to on that host, and no namespace is assigned twice.

``check`` returns the problems found, as sentences; an empty list means
consistent.
"""

from oslo_log import log as logging

from nova.compute import power_state
from nova import exception
from nova import objects
from nova.objects import fields
from nova.scheduler import utils as scheduler_utils

LOG = logging.getLogger(__name__)
#: The hypervisor states each vm_state allows (None: no domain).
EXPECTED_POWER = {
    fields.VMState.ACTIVE: (power_state.RUNNING,),
    fields.VMState.PAUSED: (power_state.PAUSED,),
    fields.VMState.STOPPED: (power_state.SHUTDOWN, power_state.CRASHED,
                             None),
}


def check(ctxt, deployment, pmem_owners=None):
    """Problems found in ``deployment`` (a nova.deployment.Deployment).

    ``pmem_owners`` is {host: {namespace name: instance uuid or None}}:
    who each namespace's data belongs to, where the hypervisor can tell
    (the simulator can; a real host cannot, so it is left out).
    """
    problems = []
    providers = {p['uuid']: p['name']
                 for p in deployment.reportclient.get_providers()}
    host_provider = {name: uuid for uuid, name in providers.items()}
    instances = objects.Instance.get_all(ctxt)
    known = {inst.uuid for inst in instances}
    for inst in instances:
        problems.extend(_check_instance(ctxt, deployment, inst,
                                        host_provider, providers))
    problems.extend(_check_consumers(deployment, providers, known))
    problems.extend(_check_providers(ctxt, providers))
    problems.extend(_check_trackers(deployment, instances))
    problems.extend(_check_vpmems(instances, pmem_owners or {}))
    problems.extend(_check_guests(ctxt, deployment, instances))
    return problems


def _hypervisor_views(ctxt, deployment):
    """({host: {uuid: power state}} of the hosts that answered, the set of
    hosts that could not be asked).
    """
    views, unreachable = {}, set()
    for host in deployment.compute_rpcapi.hosts():
        try:
            views[host] = deployment.compute_rpcapi.call(
                host, 'hypervisor_guests', ctxt)
        except exception.NovaException as exc:
            LOG.info('The audit cannot see the guests of %s: %s', host, exc)
            unreachable.add(host)
    return views, unreachable


def _check_guests(ctxt, deployment, instances):
    """Every instance runs exactly once, where and as the database says."""
    problems = []
    views, unreachable = _hypervisor_views(ctxt, deployment)
    by_uuid = {inst.uuid: inst for inst in instances}
    for host, guests in sorted(views.items()):
        for uuid, state in sorted(guests.items()):
            inst = by_uuid.get(uuid)
            if inst is None:
                problems.append('domain %s on %s (%s) belongs to no '
                                'instance' % (uuid, host, state))
            elif inst.host != host:
                if state in power_state.ALIVE:
                    problems.append(
                        'instance %s runs (%s) on %s but the database '
                        'places it on %s' % (uuid, state, host, inst.host))
                else:
                    problems.append(
                        'instance %s lives on %s but %s keeps a stale '
                        'domain of it (%s)' % (uuid, inst.host, host, state))
    for inst in instances:
        expected = EXPECTED_POWER.get(inst.vm_state)
        if expected is None or inst.host is None:
            continue  # error and building instances: anything goes
        if inst.host in unreachable:
            problems.append(
                'instance %s (%s) on %s is unverified: the service of %s is '
                'down, its hypervisor cannot be asked' % (
                    inst.uuid, inst.vm_state, inst.host, inst.host))
            continue
        state = views.get(inst.host, {}).get(inst.uuid)
        if state not in expected:
            problems.append(
                'instance %s is %s on %s but its guest there is %s' % (
                    inst.uuid, inst.vm_state, inst.host,
                    'missing' if state is None else state))
    return problems


def _check_providers(ctxt, providers):
    """Placement and the database know the same compute nodes."""
    problems = []
    nodes = {node.uuid: node for node in objects.ComputeNode.get_all(ctxt)}
    for rp_uuid, name in sorted(providers.items(), key=lambda kv: kv[1]):
        if rp_uuid not in nodes:
            problems.append('resource provider %s (%s) in Placement is no '
                            'compute node of this cloud' % (name, rp_uuid))
    for node_uuid, node in sorted(nodes.items()):
        if node_uuid not in providers:
            problems.append('compute node %s (%s) has no resource provider '
                            'in Placement' % (node.hypervisor_hostname,
                                              node_uuid))
    return problems


def _check_instance(ctxt, deployment, inst, host_provider, providers):
    problems = []
    who = 'instance %s' % inst.uuid
    if inst.migration_context is not None:
        problems.append('%s still has a migration context (migration %s)'
                        % (who, inst.migration_context.migration_id))
    if inst.task_state is not None:
        problems.append('%s is still %s' % (who, inst.task_state))
    for mig in objects.Migration.get_by_instance(ctxt, inst.uuid):
        if not mig.is_final:
            problems.append('migration %s of %s is still %s' % (
                mig.uuid, who, mig.status))
    held = deployment.reportclient.get_allocations_for_consumer(
        inst.uuid).get('allocations', {})
    if inst.host is None:
        if held:
            problems.append('%s has no host but holds %s' % (
                who, _describe(held, providers)))
        return problems
    wanted = {host_provider.get(inst.host):
              scheduler_utils.resources_from_flavor(inst.flavor)}
    got = {rp: dict(alloc['resources']) for rp, alloc in held.items()}
    if got != wanted:
        problems.append('%s on %s should hold %s in Placement, holds %s' % (
            who, inst.host, _describe_map(wanted, providers),
            _describe(held, providers) or 'nothing'))
    return problems


def _check_consumers(deployment, providers, known):
    problems = []
    for rp_uuid, name in providers.items():
        allocs = deployment.reportclient.get_provider_allocations(rp_uuid)
        for consumer, resources in allocs.items():
            if consumer not in known:
                problems.append('consumer %s (not an instance) holds %s on '
                                '%s' % (consumer, resources, name))
    return problems


def _check_trackers(deployment, instances):
    problems = []
    for manager in deployment.computes:
        if not manager.service_up:
            continue
        rt = manager.rt
        living = {i.uuid for i in instances if i.host == manager.host}
        if set(rt.tracked_instances) != living:
            problems.append('tracker of %s counts instances %s, the '
                            'database has %s' % (
                                manager.host, sorted(rt.tracked_instances),
                                sorted(living)))
        if rt.tracked_migrations:
            problems.append('tracker of %s still holds move claims %s' % (
                manager.host, sorted(rt.tracked_migrations)))
    return problems


def _check_vpmems(instances, pmem_owners):
    problems = []
    assigned = {}
    for inst in instances:
        if inst.host is None or not inst.resources:
            continue
        for dev in inst.resources.vpmems:
            key = (inst.host, dev.name)
            if key in assigned:
                problems.append('vPMEM namespace %s on %s is assigned to %s '
                                'and %s' % (dev.name, inst.host,
                                            assigned[key], inst.uuid))
            assigned[key] = inst.uuid
    for host, owners in pmem_owners.items():
        for name, owner in owners.items():
            if owner is None:
                continue
            rightful = assigned.get((host, name))
            if rightful != owner:
                problems.append(
                    'vPMEM namespace %s on %s holds data of %s but is '
                    'assigned to %s' % (name, host, owner,
                                        rightful or 'nobody'))
    return problems


def _describe(held, providers):
    return _describe_map({rp: alloc['resources']
                          for rp, alloc in held.items()}, providers)


def _describe_map(by_provider, providers):
    return '; '.join('%s: %s' % (providers.get(rp, rp),
                                 scheduler_utils.format_resources(res))
                     for rp, res in sorted(by_provider.items(),
                                           key=lambda kv: str(kv[0])))
