"""Two requests at once never leave the cloud inconsistent.

Each race starts its requests from threads released together by a
barrier, is repeated several times, and ends with the consistency audit
(Placement both ways, trackers, contexts, hypervisors) clean.
"""

import threading

from oslo_utils import uuidutils

from nova import exception
from nova import objects
from nova.objects import fields
from nova.tests import concurrency
from nova.tests.functional import integrated_helpers as helpers

STATUS = fields.MigrationStatus
ROUNDS = 5


class SameInstanceRaceTestCase(helpers.DeploymentTestCase):

    HOSTS = {'src': {'pmem': False}, 'dst': {'pmem': False},
             'other': {'pmem': False}}

    def test_two_live_migrations_of_one_instance(self):
        for _round in range(ROUNDS):
            inst = self.cloud.boot(helpers.flavor(), host='src')

            def migrate():
                # Each request reads the instance itself, as two API
                # requests would.
                return self.cloud.api.live_migrate(
                    self.ctxt, objects.Instance.get_by_uuid(self.ctxt,
                                                            inst.uuid))
            results = concurrency.race(migrate, migrate)
            winner = concurrency.assert_one_wins(
                self, results, exception.InstanceInvalidState)
            self.assertEqual(STATUS.COMPLETED, winner[0].status)
            # The loser created no migration record at all.
            self.assertEqual(1, len(objects.Migration.get_by_instance(
                self.ctxt, inst.uuid)))
            self.assert_consistent()

    def test_two_evacuations_of_one_instance(self):
        for _round in range(ROUNDS):
            for name in ('src', 'dst', 'other'):
                if not self.cloud.deployment.is_up(name):
                    self.cloud.network.restore_host(self.cloud.sim.uri(name))
                    self.cloud.deployment.service_up(name)
            inst = self.cloud.boot(helpers.flavor(), host='src')
            self.cloud.network.fail_host(self.cloud.sim.uri('src'))
            self.cloud.deployment.service_down('src')

            def evacuate():
                return self.cloud.api.evacuate(
                    self.ctxt, objects.Instance.get_by_uuid(self.ctxt,
                                                            inst.uuid))
            results = concurrency.race(evacuate, evacuate)
            concurrency.assert_one_wins(
                self, results, exception.InstanceInvalidState)
            inst.refresh()
            self.assertEqual(fields.VMState.ACTIVE, inst.vm_state)
            self.assertIn(inst.host, ('dst', 'other'))
            self.assertEqual({inst.host},
                             set(self.cloud.allocations(inst.uuid)))
            self.cloud.network.restore_host(self.cloud.sim.uri('src'))
            self.cloud.deployment.service_up('src')
            self.assert_consistent()

    def test_abort_races_the_end_of_a_migration(self):
        # An abort arriving as the migration finishes is either applied
        # or refused; never both, never a broken instance.
        for _round in range(ROUNDS):
            inst = self.cloud.boot(helpers.flavor(), host='src')
            started = threading.Event()

            def migrate():
                return self.cloud.api.live_migrate(
                    self.ctxt, objects.Instance.get_by_uuid(
                        self.ctxt, inst.uuid),
                    host='dst', on_progress=lambda mig: started.set())

            def abort():
                started.wait(30)
                return self.cloud.api.live_migrate_abort(
                    self.ctxt, objects.Instance.get_by_uuid(self.ctxt,
                                                            inst.uuid))
            results = concurrency.race(migrate, abort)
            (migration, outcome), error = results[0]
            self.assertIsNone(error)
            self.assertIn(outcome.status, (STATUS.COMPLETED,
                                           STATUS.CANCELLED))
            if results[1][1] is not None:
                self.assertIsInstance(results[1][1],
                                      exception.NoActiveMigration)
            inst.refresh()
            self.assertEqual(fields.VMState.ACTIVE, inst.vm_state)
            self.assertEqual('dst' if outcome.status == STATUS.COMPLETED
                             else 'src', inst.host)
            self.assert_consistent()
            if inst.host == 'dst':
                self.cloud.api.live_migrate(self.ctxt, inst, host='src')


class FullHostRaceTestCase(helpers.DeploymentTestCase):

    # The destination has room for one more 8 GiB instance, not two.
    HOSTS = {'src': {'pmem': False},
             'dst': {'pmem': False, 'memory_mb': 12288}}

    def test_two_migrations_to_a_host_that_fits_one(self):
        flavor = helpers.flavor(memory_mb=8192, root_gb=1)
        for _round in range(ROUNDS):
            first = self.cloud.boot(flavor, host='src')
            second = self.cloud.boot(flavor, host='src')

            def migrate(inst):
                return lambda: self.cloud.api.live_migrate(
                    self.ctxt, objects.Instance.get_by_uuid(self.ctxt,
                                                            inst.uuid))
            results = concurrency.race(migrate(first), migrate(second))
            concurrency.assert_one_wins(self, results, (
                exception.NoValidHost, exception.PlacementConflict,
                exception.AllocationClaimFailed))
            for inst in (first, second):
                inst.refresh()
                self.assertEqual(fields.VMState.ACTIVE, inst.vm_state)
                self.assertIsNone(inst.task_state)
                # Each instance holds exactly its flavor where it lives.
                self.assertEqual({inst.host: {'VCPU': 2, 'MEMORY_MB': 8192,
                                              'DISK_GB': 1}},
                                 self.cloud.allocations(inst.uuid))
            self.assert_consistent()
            for inst in (first, second):
                self.cloud.api.delete(self.ctxt, inst)
            self.assert_consistent()


class EmbeddedPlacementConcurrencyTestCase(helpers.DeploymentTestCase):

    def test_parallel_claims_never_fail(self):
        client = self.cloud.placement.client
        rp = self.cloud.compute('dst').rt.compute_node.uuid
        errors = []

        def claim_and_release():
            for _ in range(10):
                consumer = uuidutils.generate_uuid()
                try:
                    client.claim_resources(
                        consumer, {rp: {'resources': {'VCPU': 1}}}, 'p', 'u')
                    client.delete_allocation_for_consumer(consumer)
                except exception.NovaException as exc:
                    errors.append(exc)
        concurrency.race(*[claim_and_release] * 6)
        # Before requests were serialized, SQLite shared by threads made
        # Placement answer HTTP 500 ("cannot start a transaction within a
        # transaction") to some of these.
        self.assertEqual([], errors)
        self.assert_consistent()
