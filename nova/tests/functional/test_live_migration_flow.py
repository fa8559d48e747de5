"""Live migrations and evacuations through conductor, computes, Placement.

Each test boots instances through the compute API (scheduled and claimed
in the real Placement, built by the compute service), moves them, and
checks the database, Placement, the trackers and the simulated devices.
"""

from nova import exception
from nova import objects
from nova.objects import fields
from nova.sim import model
from nova.tests.functional import integrated_helpers as helpers

STATUS = fields.MigrationStatus
POST_COPY = 'compute:live_migration_post_copy'
HOPELESS = model.Workload(ram_mb=2048, wws_mb=2048, dirty_rate_mbps=8192,
                          cpu_bound_fraction=0.3)


class LiveMigrationTestCase(helpers.DeploymentTestCase):

    def test_scheduled_live_migration(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        self.assertEqual({'src': {'VCPU': 2, 'MEMORY_MB': 2048,
                                  'DISK_GB': 10}},
                         self.cloud.allocations(inst.uuid))
        migration, outcome = self.cloud.api.live_migrate(
            self.ctxt, inst)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertEqual(STATUS.COMPLETED, migration.status)
        self.assertEqual(('src', 'dst'), (migration.source_compute,
                                          migration.dest_compute))
        inst.refresh()
        self.assertEqual(('dst', 'dst'), (inst.host, inst.node))
        self.assertIsNone(inst.task_state)
        self.assertEqual({'dst'}, set(self.cloud.allocations(inst.uuid)))
        self.assertEqual({}, self.cloud.allocations(migration.uuid))
        self.assertEqual({'dst': 1}, self.cloud.sim.where(inst))
        self.assertEqual({}, self.cloud.compute('src').rt.tracked_instances)
        self.assertIn(inst.uuid,
                      self.cloud.compute('dst').rt.tracked_instances)
        self.assertGreater(migration.memory_total, 0)
        self.assert_consistent()

    def test_scheduler_skips_host_whose_service_is_down(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        self.cloud.deployment.service_down('dst')
        exc = self.assertRaises(exception.NoValidHost,
                                self.cloud.api.live_migrate,
                                self.ctxt, inst)
        self.assertIn('The compute service of dst is down.', str(exc))
        inst.refresh()
        self.assertEqual('src', inst.host)
        self.cloud.deployment.service_up('dst')
        self.assert_consistent()

    def test_scheduler_skips_disabled_host(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        services = self.cloud.deployment.services
        (dst,) = [r for r in services.list() if r.host == 'dst']
        services.update(dst.uuid, disabled=True)
        exc = self.assertRaises(exception.NoValidHost,
                                self.cloud.api.live_migrate,
                                self.ctxt, inst)
        self.assertIn('The compute service of dst is disabled.', str(exc))
        # Disabled is not down: the host still serves what it has.
        self.assertTrue(self.cloud.deployment.compute_rpcapi.is_up('dst'))
        services.update(dst.uuid, disabled=False)
        inst.refresh()
        migration, _outcome = self.cloud.api.live_migrate(self.ctxt, inst)
        self.assertEqual(('dst', STATUS.COMPLETED),
                         (migration.dest_compute, migration.status))
        self.assert_consistent()

    def test_forced_host_and_block_migration(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        migration, outcome = self.cloud.api.live_migrate(
            self.ctxt, inst, host='dst', force=True, block_migration=True)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertIn('VIR_MIGRATE_NON_SHARED_INC', outcome.flags)
        self.assertGreater(migration.disk_total, 0)
        self.assert_consistent()

    def test_migration_context_persisted_while_running(self):
        inst = self.cloud.boot(helpers.flavor(hw__pmem='SMALL'), host='src')
        seen = []

        def on_progress(mig):
            if mig.status == STATUS.RUNNING and not seen:
                stored = objects.Instance.get_by_uuid(self.ctxt, inst.uuid)
                seen.append(stored.migration_context)
                # The periodic audit counts the move on both sides.
                self.cloud.deployment.audit()
                seen.append(dict(
                    self.cloud.compute('dst').rt.tracked_migrations))
                seen.append(set(
                    self.cloud.compute('src').rt.tracked_instances))
        self.cloud.api.live_migrate(
            self.ctxt, inst, on_progress=on_progress)
        ctx, incoming, at_source = seen
        self.assertEqual(inst.uuid, ctx.instance_uuid)
        self.assertEqual(['SMALL'], [d.label for d in
                                     ctx.new_resources.vpmems])
        self.assertEqual(inst.resources.vpmems[0].devpath,
                         ctx.old_resources.vpmems[0].devpath)
        self.assertEqual([inst.uuid], [u for u, _ in incoming.values()])
        self.assertEqual({inst.uuid}, at_source)
        self.assert_consistent()

    def test_abort_puts_everything_back(self):
        # 8 GiB: the abort (at the first progress save, 5 s in) comes
        # during the first pass, before the SLA policy could switch this
        # guest to post-copy.
        inst = self.cloud.boot(helpers.flavor(memory_mb=8192), host='src',
                               workload=model.Workload(
                                   ram_mb=8192, wws_mb=8192,
                                   dirty_rate_mbps=8192,
                                   cpu_bound_fraction=0.3))
        before = self.cloud.allocations(inst.uuid)

        def on_progress(mig):
            if mig.status == STATUS.RUNNING and mig.memory_processed:
                self.cloud.api.live_migrate_abort(
                    self.ctxt, objects.Instance.get_by_uuid(self.ctxt,
                                                            inst.uuid))
        migration, outcome = self.cloud.api.live_migrate(
            self.ctxt, inst, on_progress=on_progress)
        self.assertEqual(STATUS.CANCELLED, migration.status)
        inst.refresh()
        self.assertEqual('src', inst.host)
        self.assertEqual(fields.VMState.ACTIVE, inst.vm_state)
        self.assertEqual(before, self.cloud.allocations(inst.uuid))
        self.assertEqual({'src': 1}, self.cloud.sim.where(inst))
        self.assert_consistent()

    def test_refused_states_claim_nothing(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        inst.task_state = fields.TaskState.MIGRATING
        inst.save()
        exc = self.assertRaises(exception.InstanceInvalidState,
                                self.cloud.api.live_migrate,
                                self.ctxt, inst)
        self.assertIn('live migration needs active or paused', str(exc))
        self.assertEqual([], objects.Migration.get_by_instance(
            self.ctxt, inst.uuid))
        self.assertEqual({'src'}, set(self.cloud.allocations(inst.uuid)))

    def test_no_valid_host_gives_allocation_back(self):
        inst = self.cloud.boot(helpers.flavor(**{POST_COPY: 'true'}),
                               host='src')
        self.cloud.deployment.service_down('dst')
        self.cloud.placement.client.set_traits(
            self.cloud.compute('dst').rt.compute_node.uuid, [])
        self.assertRaises(exception.NoValidHost,
                          self.cloud.api.live_migrate,
                          self.ctxt, inst)
        self.cloud.deployment.service_up('dst')
        (migration,) = objects.Migration.get_by_instance(self.ctxt,
                                                         inst.uuid)
        self.assertEqual(STATUS.FAILED, migration.status)
        self.assertEqual({'src'}, set(self.cloud.allocations(inst.uuid)))
        self.assert_consistent()


class VPMEMLiveMigrationTestCase(helpers.DeploymentTestCase):

    def test_vpmem_moves_to_destination_devices(self):
        self.flags(group='libvirt', live_migration_permit_post_copy=True)
        inst = self.cloud.boot(helpers.flavor(hw__pmem='SMALL,LARGE'),
                               host='src')
        src_paths = [d.devpath for d in inst.resources.vpmems]
        # Another instance takes dst's first SMALL namespace, so the move
        # gets a different one than position alone would suggest.
        other = self.cloud.boot(helpers.flavor(hw__pmem='SMALL'),
                                host='dst')
        taken = other.resources.vpmems[0].name

        def force(mig):
            if mig.status == STATUS.RUNNING:
                self.cloud.api.live_migrate_force_complete(
                    self.ctxt, inst)
        migration, outcome = self.cloud.api.live_migrate(
            self.ctxt, inst, on_progress=force)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        # vPMEM never goes post-copy, even when the host permits it.
        self.assertNotIn('VIR_MIGRATE_POSTCOPY', outcome.flags)
        inst.refresh()
        self.assertEqual(['SMALL', 'LARGE'],
                         [d.label for d in inst.resources.vpmems])
        self.assertNotIn(taken, [d.name for d in inst.resources.vpmems])
        dst = self.cloud.sim.hosts['dst']
        xml = dst.get_domain(inst.uuid).xml
        for device in inst.resources.vpmems:
            self.assertIn(device.devpath, xml)
            self.assertEqual(inst.uuid, dst.pmem.owner(device.devpath))
        src = self.cloud.sim.hosts['src']
        for path in src_paths:
            self.assertIsNone(src.pmem.owner(path))
            self.assertTrue(src.pmem.is_zeroed(path))
        self.assert_consistent()

    def test_destination_without_support_refused_before_claims(self):
        inst = self.cloud.boot(helpers.flavor(hw__pmem='SMALL'), host='src')
        self.cloud.placement.client.set_traits(
            self.cloud.compute('dst').rt.compute_node.uuid, [])
        before = self.cloud.allocations(inst.uuid)
        exc = self.assertRaises(
            exception.VPMEMLiveMigrationUnsupported,
            self.cloud.api.live_migrate, self.ctxt, inst,
            host='dst')
        self.assertIn('host dst cannot live-migrate them', str(exc))
        self.assertIn('CUSTOM_COMPUTE_MIGRATE_VPMEM', str(exc))
        self.assertEqual([], objects.Migration.get_by_instance(
            self.ctxt, inst.uuid))
        self.assertEqual(before, self.cloud.allocations(inst.uuid))
        self.assert_consistent()


class OldSourceTestCase(helpers.DeploymentTestCase):
    # libvirt 4.10 on the source: no vPMEM live migration there.
    HOSTS = {'src': {'lib_version': 4010000}, 'dst': {}}

    def test_source_without_support_refused(self):
        inst = self.cloud.boot(helpers.flavor(hw__pmem='SMALL'), host='src')
        exc = self.assertRaises(
            exception.VPMEMLiveMigrationUnsupported,
            self.cloud.api.live_migrate, self.ctxt, inst)
        self.assertIn('host src cannot', str(exc))
        self.assertEqual([], objects.Migration.get_by_instance(
            self.ctxt, inst.uuid))
        self.assert_consistent()


class EvacuateTestCase(helpers.DeploymentTestCase):

    def test_evacuate_then_source_comes_back(self):
        inst = self.cloud.boot(helpers.flavor(hw__pmem='SMALL'), host='src')
        src_path = inst.resources.vpmems[0].devpath
        exc = self.assertRaises(exception.ComputeServiceStillUp,
                                self.cloud.api.evacuate,
                                self.ctxt, inst)
        self.assertIn('src', str(exc))
        self.cloud.deployment.service_down('src')
        migration = self.cloud.api.evacuate(self.ctxt, inst)
        self.assertEqual(STATUS.COMPLETED, migration.status)
        self.assertEqual(fields.MigrationType.EVACUATION,
                         migration.migration_type)
        inst.refresh()
        self.assertEqual('dst', inst.host)
        self.assertEqual(fields.VMState.ACTIVE, inst.vm_state)
        self.assertEqual({'dst'}, set(self.cloud.allocations(inst.uuid)))
        # The old domain and its namespace data wait for the source...
        src = self.cloud.sim.hosts['src']
        self.assertEqual(inst.uuid, src.pmem.owner(src_path))
        self.cloud.deployment.service_up('src')
        # ...which cleans them up when it starts again.
        self.assertIsNone(src.pmem.owner(src_path))
        self.assertEqual({'dst': 1}, self.cloud.sim.where(inst))
        self.assert_consistent()

    def test_failed_rebuild_aborts_the_claim(self):
        inst = self.cloud.boot(helpers.flavor(hw__pmem='SMALL'), host='src')
        self.cloud.deployment.service_down('src')
        dst = self.cloud.compute('dst')
        self.useFixture(helpers.fixtures.MockPatchObject(
            dst.driver, 'spawn', side_effect=exception.LibvirtCallFailed(
                operation='create', code=1, reason='injected')))
        self.assertRaises(exception.LibvirtCallFailed,
                          self.cloud.api.evacuate,
                          self.ctxt, inst)
        inst.refresh()
        self.assertEqual('src', inst.host)
        self.assertEqual(fields.VMState.ERROR, inst.vm_state)
        self.assertEqual({}, dst.rt.tracked_migrations)
        self.assertEqual({'src'}, set(self.cloud.allocations(inst.uuid)))
        self.cloud.deployment.service_up('src')
        self.assert_consistent()


class AuditTestCase(helpers.DeploymentTestCase):
    """The audit finds what a broken move would leave behind."""

    def test_detects_leaks(self):
        inst = self.cloud.boot(helpers.flavor(hw__pmem='SMALL'), host='src')
        self.assert_consistent()
        # A migration consumer keeping an allocation, a context left on
        # the instance, and a namespace with data nobody owns.
        client = self.cloud.placement.client
        rp = self.cloud.compute('dst').rt.compute_node.uuid
        leaked = '0b6a5a5e-8f0e-4d51-9f0c-2f4f3c2e9d11'
        client.claim_resources(leaked, {rp: {'resources': {'VCPU': 1}}},
                               'p', 'u', consumer_type='MIGRATION')
        inst.migration_context = objects.MigrationContext(
            instance_uuid=inst.uuid, migration_id=42)
        inst.save()
        dst = self.cloud.sim.hosts['dst']
        path = dst.pmem.namespaces[0].devpath
        dst.pmem.write([path], inst.uuid)
        problems = '\n'.join(self.cloud.problems())
        self.assertIn('consumer %s (not an instance)' % leaked, problems)
        self.assertIn('still has a migration context (migration 42)',
                      problems)
        self.assertIn('holds data of %s but is assigned to nobody'
                      % inst.uuid, problems)
