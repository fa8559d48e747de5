"""A restarted source settles the live migrations it left."""

from unittest import mock

from oslo_utils import uuidutils

from nova.compute import power_state
from nova.compute import recovery
from nova.compute import settle
from nova import context
from nova import objects
from nova.objects import fields
from nova import test
from nova.tests import fixtures as nova_fixtures

STATUS = fields.MigrationStatus


class RecoveryTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.ctxt = context.get_admin_context()
        self.inst = objects.Instance(
            context=self.ctxt, uuid=uuidutils.generate_uuid(),
            project_id='p', user_id='u', host='src', node='src',
            vm_state=fields.VMState.ACTIVE,
            task_state=fields.TaskState.MIGRATING,
            flavor=objects.Flavor(flavorid='f', name='f', vcpus=1,
                                  memory_mb=512))
        self.inst.create()
        self.mig = objects.Migration(
            context=self.ctxt, uuid=uuidutils.generate_uuid(),
            instance_uuid=self.inst.uuid,
            migration_type=fields.MigrationType.LIVE_MIGRATION,
            status=STATUS.RUNNING, source_compute='src', source_node='src',
            dest_compute='dst', dest_node='dst')
        self.mig.create()
        self.manager = mock.Mock()
        self.manager.host = 'src'
        self.manager.rt = mock.Mock(nodename='src')
        self.manager.driver.is_monitoring.return_value = False
        self.manager.driver.wait_for_migration_job.return_value = True

    def test_orphan_is_waited_for_then_settled(self):
        settlement = settle.Settlement(settle.Verdict.COMPLETE,
                                       STATUS.COMPLETED, 'on the dest')
        self.manager.settle_where_guest_runs.return_value = settlement
        recovery.recover_live_migrations(self.manager, self.ctxt)
        self.manager.driver.wait_for_migration_job.assert_called_once()
        inst, dest = self.manager.settle_where_guest_runs.call_args[0][1:]
        self.assertEqual((self.inst.uuid, 'dst'), (inst.uuid, dest))
        args = self.manager.apply_settlement.call_args[0]
        self.assertEqual((self.mig.uuid, settlement),
                         (args[3].uuid, args[4]))

    def test_followed_queued_or_foreign_migrations_are_left(self):
        self.manager.driver.is_monitoring.return_value = True
        recovery.recover_live_migrations(self.manager, self.ctxt)
        self.manager.driver.is_monitoring.return_value = False
        self.mig.status = STATUS.QUEUED
        self.mig.save()
        recovery.recover_live_migrations(self.manager, self.ctxt)
        self.manager.host = 'dst'
        self.manager.rt.nodename = 'dst'
        self.mig.status = STATUS.RUNNING
        self.mig.save()
        recovery.recover_live_migrations(self.manager, self.ctxt)
        self.manager.apply_settlement.assert_not_called()

    def test_settle_rules_apply(self):
        # What the manager then does is nova.compute.settle's decision.
        self.assertIs(settle.Verdict.COMPLETE, settle.settle(
            None, power_state.RUNNING, None).verdict)
        self.assertIs(settle.Verdict.ROLLBACK, settle.settle(
            power_state.RUNNING, None, None).verdict)
