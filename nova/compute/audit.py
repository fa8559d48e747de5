"""Is the deployment consistent?  Placement, claims, contexts, devices.

After any move -- completed, failed, aborted or broken by a fault -- and
once no move is in progress, these must hold:

* each instance's Placement allocation is exactly its flavor's resources on
  its host's provider, and no other consumer (a migration) holds anything;
* no instance keeps a migration context, no task state, and every
  migration is in a final status;
* every compute host's tracker counts exactly the instances living there
  and no move;
* every vPMEM namespace with data belongs to the instance the database
  assigns it to on that host, and no namespace is assigned twice.

``check`` returns the problems found, as sentences; an empty list means
consistent.
"""

from nova import objects
from nova.scheduler import utils as scheduler_utils


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
    problems.extend(_check_trackers(deployment, instances))
    problems.extend(_check_vpmems(instances, pmem_owners or {}))
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
