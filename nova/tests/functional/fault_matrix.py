"""The fault matrix: a failure injected at each step of a live migration.

For every fault and every kind of instance (plain, block-migrated, vPMEM)
a fresh deployment boots the instance on ``src``, injects the fault while
migrating it to ``dst``, lifts the fault, lets the hosts run their
periodic audit, and records where the instance ended, the migration's
status and what the consistency audit (nova.compute.audit) found.

``python -m nova.tests.functional.fault_matrix`` (or ``tox -e
fault-matrix``) prints the whole matrix as a table; test_fault_matrix runs
each cell as a test.
"""

import collections
import sys

import fixtures

from nova import exception
from nova.objects import fields
from nova.sim import constants as sim_constants
from nova.sim import model
from nova.tests.functional import integrated_helpers as helpers

STATUS = fields.MigrationStatus
ACTIVE, ERROR = fields.VMState.ACTIVE, fields.VMState.ERROR
POST_COPY = 'compute:live_migration_post_copy'

# 2 GiB, a 1 GiB working set at 2 GiB/s: converges after downtime steps,
# so every fault finds it mid-migration.
BUSY = model.Workload(ram_mb=2048, wws_mb=1024, dirty_rate_mbps=2048)
# Never converges in pre-copy: used to reach post-copy by force-complete.
HOPELESS = model.Workload(ram_mb=2048, wws_mb=2048, dirty_rate_mbps=8192,
                          cpu_bound_fraction=0.3)

KINDS = ('plain', 'block', 'vpmem')

Result = collections.namedtuple(
    'Result', 'fault kind status host vm_state problems error')


class _Cell(object):
    """One run: a deployment, an instance, a fault."""

    def __init__(self, cloud, kind):
        self.cloud = cloud
        self.kind = kind
        self.hooks = []
        self.lifts = []

    def flavor(self, post_copy=False):
        specs = {}
        if self.kind == 'vpmem':
            specs['hw:pmem'] = 'SMALL'
        elif post_copy:
            specs[POST_COPY] = 'true'
        return helpers.flavor(**{k.replace(':', '__'): v
                                 for k, v in specs.items()})

    def patch(self, obj, name, error):
        patcher = fixtures.MockPatchObject(obj, name, side_effect=error)
        patcher.setUp()
        self.lifts.append(patcher.cleanUp)

    def on_progress(self, migration):
        for hook in list(self.hooks):
            if hook(migration):
                self.hooks.remove(hook)


def _fault_destination_claim(cell):
    """A stale domain of the instance is already defined on dst."""
    dst = cell.cloud.compute('dst')
    xml = ("<domain type='qemu'><name>stale</name><uuid>%s</uuid>"
           "<memory unit='MiB'>64</memory></domain>" % cell.instance.uuid)
    dst.driver._host.define_guest(xml, start=False)
    cell.lifts.append(lambda: dst.driver.destroy(cell.instance))


def _fault_pre_live_migration(cell):
    cell.patch(cell.cloud.compute('dst'), 'pre_live_migration',
               exception.MigrationStepFailed(
                   step='pre_live_migration', host='dst',
                   reason='injected fault'))


def _fault_libvirt_error_at_start(cell):
    from nova.sim import libvirt as sim_libvirt
    cell.patch(sim_libvirt.virDomain, 'migrateToURI3',
               sim_constants.make_error(
                   sim_constants.VIR_ERR_OPERATION_FAILED,
                   'injected fault: unable to start the migration'))


def _fault_network_drop(cell):
    network = cell.cloud.network

    def drop(migration):
        if migration.status == STATUS.RUNNING:
            network.drop_link('src', 'dst', 300)
            return True
    cell.hooks.append(drop)


def _fault_destination_failure(cell):
    cloud = cell.cloud
    state = {}

    def force(migration):
        # Force-complete would pause a vPMEM guest (it never goes
        # post-copy) and finish the move before the fault: not for it.
        if cell.kind == 'vpmem':
            return True
        if migration.status == STATUS.RUNNING and 'forced' not in state:
            state['forced'] = True
            cloud.api.live_migrate_force_complete(
                cloud.ctxt, cell.instance)

    def fail(migration):
        # vPMEM never goes post-copy: it fails in pre-copy instead.
        if (migration.status == STATUS.POST_COPY or (
                cell.kind == 'vpmem' and migration.memory_processed)):
            cloud.network.fail_host('dst')
            cloud.deployment.service_down('dst')
            return True
    cell.hooks.extend([force, fail])

    def restore():
        cloud.network.restore_host('dst')
        cloud.deployment.service_up('dst')
    cell.lifts.append(restore)


def _fault_source_cleanup(cell):
    src = cell.cloud.compute('src')
    if cell.kind == 'vpmem':
        pmem = cell.cloud.sim.hosts['src'].pmem
        pmem.fail_zero()
        cell.lifts.append(pmem.clear_faults)
    else:
        cell.patch(src.driver, 'destroy', exception.LibvirtCallFailed(
            operation='undefine', code=1, reason='injected fault'))


def _fault_placement_conflict(cell):
    cell.patch(cell.cloud.placement.client, 'claim_resources',
               exception.PlacementConflict(
                   method='PUT', url='/allocations/%s' % cell.instance.uuid,
                   attempts=4, detail='injected consumer generation '
                                      'conflict'))


Fault = collections.namedtuple('Fault', 'name inject workload post_copy '
                                        'expect')
_FAILED_ON_SOURCE = (STATUS.FAILED, 'src', ACTIVE)
FAULTS = collections.OrderedDict((f.name, f) for f in (
    Fault('destination claim', _fault_destination_claim, BUSY, False,
          {k: _FAILED_ON_SOURCE for k in KINDS}),
    Fault('pre_live_migration', _fault_pre_live_migration, BUSY, False,
          {k: _FAILED_ON_SOURCE for k in KINDS}),
    Fault('libvirt error at start', _fault_libvirt_error_at_start, BUSY,
          False, {k: _FAILED_ON_SOURCE for k in KINDS}),
    Fault('network drop in pre-copy', _fault_network_drop, BUSY, False,
          {k: _FAILED_ON_SOURCE for k in KINDS}),
    Fault('destination failure in post-copy', _fault_destination_failure,
          HOPELESS, True,
          # A block migration is still copying disks when force-complete
          # asks for post-copy (QEMU switches once memory moves), so the
          # guest is still whole on the source when the destination dies.
          {'plain': (STATUS.ERROR, 'src', ERROR),
           'block': _FAILED_ON_SOURCE,
           'vpmem': _FAILED_ON_SOURCE}),
    Fault('source cleanup failure', _fault_source_cleanup, BUSY, False,
          {k: (STATUS.COMPLETED, 'dst', ACTIVE) for k in KINDS}),
    Fault('Placement 409', _fault_placement_conflict, BUSY, False,
          {k: _FAILED_ON_SOURCE for k in KINDS}),
))


def run_cell(cloud, fault_name, kind):
    """Run one cell on a fresh DeploymentFixture; returns a Result."""
    fault = FAULTS[fault_name]
    cell = _Cell(cloud, kind)
    cell.instance = cloud.boot(cell.flavor(post_copy=fault.post_copy),
                               host='src', workload=fault.workload)
    fault.inject(cell)
    error = None
    try:
        _migration, outcome = cloud.api.live_migrate(
            cloud.ctxt, cell.instance, block_migration=kind == 'block',
            on_progress=cell.on_progress)
        error = outcome.error
    except exception.NovaException as exc:
        error = '%s: %s' % (type(exc).__name__, exc)
    finally:
        for lift in reversed(cell.lifts):
            lift()
    cloud.deployment.audit()
    from nova import objects
    migrations = objects.Migration.get_by_instance(cloud.ctxt,
                                                   cell.instance.uuid)
    inst = objects.Instance.get_by_uuid(cloud.ctxt, cell.instance.uuid)
    return Result(fault_name, kind,
                  migrations[-1].status if migrations else None,
                  inst.host, inst.vm_state, cloud.problems(), error)


def main():
    from nova import conf
    from nova import objects

    conf.CONF([], project='nova', default_config_files=[])
    objects.register_all()
    rows, bad = [], 0
    for fault_name, fault in FAULTS.items():
        cells = []
        for kind in KINDS:
            with helpers.DeploymentFixture() as cloud:
                result = run_cell(cloud, fault_name, kind)
            ok = ((result.status, result.host, result.vm_state)
                  == fault.expect[kind] and not result.problems)
            bad += not ok
            cells.append('%s %s/%s %s' % ('ok ' if ok else 'BAD',
                                          result.status, result.vm_state,
                                          result.host))
            for problem in result.problems:
                print('  %s / %s: %s' % (fault_name, kind, problem))
        rows.append([fault_name] + cells)
    width = [max(len(r[i]) for r in rows + [['fault'] + list(KINDS)])
             for i in range(len(KINDS) + 1)]
    line = lambda cols: ' | '.join(c.ljust(w) for c, w in zip(cols, width))
    print(line(['fault'] + list(KINDS)))
    print('-+-'.join('-' * w for w in width))
    for row in rows:
        print(line(row))
    print('%d faults x %d kinds = %d cells, %d inconsistent' % (
        len(FAULTS), len(KINDS), len(rows) * len(KINDS), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
