"""The embedded default keeps the boundaries of separate processes."""

from nova.compute import manager as compute_manager
from nova.db import api as db
from nova import exception
from nova import objects
from nova.objects import fields
from nova import rpc
from nova.sim import constants as sim_constants
from nova.tests.functional import integrated_helpers as helpers

STATUS = fields.MigrationStatus


class ServiceBoundariesTestCase(helpers.DeploymentTestCase):

    def test_a_compute_endpoint_has_no_database(self):
        server = self.cloud.deployment._servers['src']
        with rpc.serving(server):
            self.assertRaises(exception.ServiceNotAllowedDatabase,
                              db.instance_get_all, self.ctxt)
            # Its objects go through the conductor instead.
            self.assertEqual([], objects.Instance.get_all(self.ctxt))
        self.assertEqual([], db.instance_get_all(self.ctxt))

    def test_progress_and_outcome_cross_as_values(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        seen = []
        migration, outcome = self.cloud.api.live_migrate(
            self.ctxt, inst, on_progress=lambda m: seen.append(m.status))
        self.assertIsInstance(outcome, objects.LiveMigrationOutcome)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertIn(STATUS.RUNNING, seen)
        self.assertEqual(STATUS.COMPLETED, migration.status)
        # Fetched once: the source keeps nothing afterwards.
        self.assertIsNone(
            self.cloud.deployment.compute_rpcapi.live_migration_outcome(
                self.ctxt, 'src', migration.uuid))

    def test_a_late_start_of_a_settled_migration_is_ignored(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        migration, _outcome = self.cloud.api.live_migrate(self.ctxt, inst)
        data = objects.LiveMigrateData(dest_host='src')
        inst.refresh()
        self.cloud.deployment.compute_rpcapi.live_migration(
            self.ctxt, 'dst', inst, 'src', migration, data)
        inst.refresh()
        migration.refresh()
        self.assertEqual(('dst', STATUS.COMPLETED),
                         (inst.host, migration.status))
        self.assert_consistent()

    def test_guest_evacuated_while_cut_off_is_destroyed_on_return(self):
        inst = self.cloud.boot(helpers.flavor(), host='src')
        # Cut off, not dead: its guest keeps running.
        self.cloud.deployment.service_down('src')
        self.cloud.api.evacuate(self.ctxt, inst)
        self.assertEqual('dst', inst.host)
        running = sim_constants.VIR_DOMAIN_RUNNING
        self.assertEqual({'src': running, 'dst': running},
                         self.cloud.sim.where(inst))
        manager = self.cloud.compute('src')
        with rpc.serving(self.cloud.deployment._servers['src']):
            manager.destroy_evacuated_guests(self.ctxt)
        self.assertEqual({'dst': running}, self.cloud.sim.where(inst))

    def test_unfetched_outcomes_are_bounded(self):
        manager = self.cloud.compute('src')
        for i in range(compute_manager.KEPT_OUTCOMES + 5):
            manager._keep_outcome(str(i), None)
        self.assertEqual(compute_manager.KEPT_OUTCOMES,
                         len(manager.outcomes))
        self.assertNotIn('0', manager.outcomes)
