"""ResourceTracker: claims, move claims, aborts, the audit, the lock."""

import threading
from unittest import mock

from oslo_utils import uuidutils

from nova.compute import claims
from nova.compute import resource_tracker
from nova import context
from nova import exception
from nova import objects
from nova.objects import fields
from nova import test
from nova.tests import fixtures as nova_fixtures
from nova.virt import driver
from nova.virt.libvirt import vpmem

PROVIDER = '2b1c7d3e-0f4a-4c8b-9a6d-5e7f8a9b0c1d'
GIB = 1024 ** 3


def _device(label, name):
    return objects.LibvirtVPMEMDevice(label=label, name=name, size=4 * GIB,
                                      devpath='/dev/dax0.%s' % name[-1],
                                      align=2 * 1024 * 1024)


class _FakeDriver(driver.ComputeDriver):
    """The driver calls the tracker makes, with fixed answers (vPMEM
    assignment and inventory as the libvirt driver does them).
    """

    def __init__(self, vcpus=4, memory_mb=4096, local_gb=40, vpmems=None):
        self.resources = {'vcpus': vcpus, 'memory_mb': memory_mb,
                          'local_gb': local_gb, 'uuid': PROVIDER}
        self.vpmems = vpmems or {}
        self.zeroed = []
        self.fail_zero = False

    def get_available_resource(self, nodename):
        return dict(self.resources)

    def get_vpmems(self):
        return self.vpmems

    def get_traits(self):
        return {'COMPUTE_MIGRATE_POST_COPY'}

    def vpmem_inventory(self, vpmems):
        return vpmem.inventory(vpmems)

    def assign_vpmems(self, *args):
        return vpmem.assign(*args)

    def cleanup_vpmems_devices(self, devices):
        if self.fail_zero:
            raise exception.PmemCommandFailed(cmd='daxio', reason='EIO')
        self.zeroed.extend(d.name for d in devices)


class _Base(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.ctxt = context.get_admin_context()
        self.driver = _FakeDriver(vpmems={
            'SMALL': [_device('SMALL', 'ns0'), _device('SMALL', 'ns1')]})
        self.report = mock.Mock()
        self.rt = resource_tracker.ResourceTracker('host1', self.driver,
                                                   self.report)
        self.rt.update_available_resource(self.ctxt)

    def instance(self, vcpus=1, memory_mb=512, host=None, **specs):
        inst = objects.Instance(
            context=self.ctxt, uuid=uuidutils.generate_uuid(),
            project_id='p', user_id='u', host=host, node=host,
            vm_state=fields.VMState.BUILDING,
            flavor=objects.Flavor(flavorid='f', name='f', vcpus=vcpus,
                                  memory_mb=memory_mb, root_gb=1,
                                  extra_specs=specs))
        inst.create()
        return inst

    def allocation(self, **resources):
        return {PROVIDER: {'resources': resources}}

    def migration(self, inst, source='host0', dest='host1'):
        mig = objects.Migration(
            context=self.ctxt, uuid=uuidutils.generate_uuid(),
            instance_uuid=inst.uuid,
            migration_type=fields.MigrationType.LIVE_MIGRATION,
            status=fields.MigrationStatus.QUEUED, source_compute=source,
            source_node=source, dest_compute=dest, dest_node=dest)
        mig.create()
        return mig


class InstanceClaimTestCase(_Base):

    def test_claim_assigns_and_persists(self):
        inst = self.instance(**{'hw:pmem': 'SMALL', 'hw:numa_nodes': '1'})
        with self.rt.instance_claim(self.ctxt, inst, self.allocation(
                CUSTOM_PMEM_NAMESPACE_SMALL=1)) as claim:
            pass
        self.assertFalse(claim.aborted)
        stored = objects.Instance.get_by_uuid(self.ctxt, inst.uuid)
        self.assertEqual('host1', stored.host)
        self.assertEqual(['ns0'], [d.name for d in stored.resources.vpmems])
        self.assertEqual(512, stored.numa_topology.memory_mb)
        self.assertEqual(claims.Usage(1, 512, 1, frozenset(['ns0'])),
                         self.rt.usage)

    def test_failure_inside_aborts(self):
        inst = self.instance(**{'hw:pmem': 'SMALL'})

        def build():
            with self.rt.instance_claim(self.ctxt, inst, self.allocation(
                    CUSTOM_PMEM_NAMESPACE_SMALL=1)):
                raise RuntimeError('spawn failed')
        self.assertRaises(RuntimeError, build)
        self.assertEqual(claims.Usage(), self.rt.usage)
        stored = objects.Instance.get_by_uuid(self.ctxt, inst.uuid)
        self.assertIsNone(stored.host)
        self.assertIsNone(stored.resources)

    def test_does_not_fit(self):
        inst = self.instance(vcpus=17)  # 4 vCPUs x 4.0
        exc = self.assertRaises(exception.ComputeResourcesUnavailable,
                                self.rt.instance_claim, self.ctxt, inst, {})
        self.assertIn('vcpus 17 wanted, 16 free of 16', str(exc))
        self.assertEqual({}, self.rt.tracked_instances)

    def test_racing_claims_never_oversubscribe(self):
        # 4096 MiB: room for exactly 8 instances of 512 MiB; 20 race.
        instances = [self.instance() for _ in range(20)]
        won, lost = [], []
        barrier = threading.Barrier(len(instances))

        def claim(inst):
            barrier.wait()
            try:
                self.rt.instance_claim(self.ctxt, inst, {})
                won.append(inst.uuid)
            except exception.ComputeResourcesUnavailable:
                lost.append(inst.uuid)
        threads = [threading.Thread(target=claim, args=(i,))
                   for i in instances]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual((8, 12), (len(won), len(lost)))
        self.assertEqual(4096, self.rt.usage.memory_mb)
        on_host = objects.Instance.get_by_host(self.ctxt, 'host1')
        self.assertEqual(sorted(won), sorted(i.uuid for i in on_host))


class MoveClaimTestCase(_Base):

    def test_live_migration_claim_without_numa(self):
        # Every instance is claimed, not only those with a NUMA topology.
        inst = self.instance(host='host0')
        mig = self.migration(inst)
        claim = self.rt.live_migration_claim(self.ctxt, inst, mig, {})
        self.assertIsInstance(claim, claims.MoveClaim)
        self.assertEqual(512, self.rt.usage.memory_mb)
        stored = objects.Instance.get_by_uuid(self.ctxt, inst.uuid)
        self.assertEqual(mig.id, stored.migration_context.migration_id)
        self.assertIsNone(stored.migration_context.new_numa_topology)
        self.assertEqual(fields.MigrationStatus.ACCEPTED,
                         objects.Migration.get_by_id(self.ctxt,
                                                     mig.id).status)

    def test_move_claim_assigns_free_vpmem_and_aborts(self):
        holder = self.instance(**{'hw:pmem': 'SMALL'})
        self.rt.instance_claim(self.ctxt, holder, self.allocation(
            CUSTOM_PMEM_NAMESPACE_SMALL=1))
        inst = self.instance(host='host0', **{'hw:pmem': 'SMALL'})
        mig = self.migration(inst)

        def move():
            with self.rt.rebuild_claim(
                    self.ctxt, inst, mig,
                    self.allocation(CUSTOM_PMEM_NAMESPACE_SMALL=1)) as claim:
                self.assertEqual(
                    ['ns1'], [d.name for d in
                              claim.migration_context.new_resources.vpmems])
                raise RuntimeError('rebuild failed')
        self.assertRaises(RuntimeError, move)
        self.assertEqual({}, self.rt.tracked_migrations)
        stored = objects.Instance.get_by_uuid(self.ctxt, inst.uuid)
        self.assertIsNone(stored.migration_context)
        self.assertEqual(frozenset(['ns0']), self.rt.usage.namespaces)

    def test_finish_applies_context(self):
        inst = self.instance(host='host0', **{'hw:pmem': 'SMALL'})
        mig = self.migration(inst)
        self.rt.live_migration_claim(self.ctxt, inst, mig, self.allocation(
            CUSTOM_PMEM_NAMESPACE_SMALL=1))
        self.rt.finish_move_claim(inst, mig)
        stored = objects.Instance.get_by_uuid(self.ctxt, inst.uuid)
        self.assertEqual(('host1', None), (stored.host,
                                           stored.migration_context))
        self.assertEqual(['ns0'], [d.name for d in stored.resources.vpmems])
        self.assertEqual([inst.uuid], list(self.rt.tracked_instances))
        self.assertEqual({}, self.rt.tracked_migrations)

    def test_drop_at_source_releases_the_instance(self):
        inst = self.instance()
        self.rt.instance_claim(self.ctxt, inst, {})
        mig = self.migration(inst, source='host1', dest='host2')
        self.rt.drop_move_claim(inst, mig)
        self.assertEqual({}, self.rt.tracked_instances)

    def test_claim_for_another_destination_refused(self):
        inst = self.instance(host='host0')
        mig = self.migration(inst, dest='host9')
        exc = self.assertRaises(exception.ComputeResourcesUnavailable,
                                self.rt.live_migration_claim, self.ctxt,
                                inst, mig, {})
        self.assertIn('goes to host9', str(exc))


class AuditTestCase(_Base):

    def test_audit_counts_incoming_and_reports(self):
        living = self.instance()
        self.rt.instance_claim(self.ctxt, living, {})
        inst = self.instance(host='host0', **{'hw:pmem': 'SMALL'})
        mig = self.migration(inst)
        self.rt.live_migration_claim(self.ctxt, inst, mig, self.allocation(
            CUSTOM_PMEM_NAMESPACE_SMALL=1))
        # A fresh tracker (a restarted service) rebuilds the same view.
        fresh = resource_tracker.ResourceTracker('host1', self.driver,
                                                 self.report)
        fresh.update_available_resource(self.ctxt)
        self.assertEqual(self.rt.usage, fresh.usage)
        self.assertEqual([mig.uuid], list(fresh.tracked_migrations))
        node, traits = self.report.sync_compute_node.call_args[0]
        inventory = self.report.sync_compute_node.call_args[1][
            'extra_inventory']
        self.assertEqual(['COMPUTE_MIGRATE_POST_COPY'], traits)
        self.assertEqual(2, inventory['CUSTOM_PMEM_NAMESPACE_SMALL']['total'])

    def test_final_migration_not_counted(self):
        inst = self.instance(host='host0')
        mig = self.migration(inst)
        self.rt.live_migration_claim(self.ctxt, inst, mig, {})
        mig.status = fields.MigrationStatus.FAILED
        mig.save()
        self.rt.update_available_resource(self.ctxt)
        self.assertEqual({}, self.rt.tracked_migrations)

    def test_quarantine_until_zeroed(self):
        self.driver.fail_zero = True
        device = self.driver.vpmems['SMALL'][0]
        self.assertEqual([device], self.rt.zero_or_quarantine([device]))
        self.rt.update_available_resource(self.ctxt)
        inventory = self.report.sync_compute_node.call_args[1][
            'extra_inventory']
        self.assertEqual(1,
                         inventory['CUSTOM_PMEM_NAMESPACE_SMALL']['reserved'])
        inst = self.instance(**{'hw:pmem': 'SMALL'})
        self.rt.instance_claim(self.ctxt, inst, self.allocation(
            CUSTOM_PMEM_NAMESPACE_SMALL=1))
        self.assertEqual(['ns1'], [d.name for d in inst.resources.vpmems])
        self.driver.fail_zero = False
        self.rt.update_available_resource(self.ctxt)
        self.assertEqual({}, self.rt.quarantined)
        self.assertEqual(['ns0'], self.driver.zeroed)
