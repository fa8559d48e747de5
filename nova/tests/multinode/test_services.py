"""The services as separate processes over RabbitMQ and PostgreSQL.

Run by tools/multinode/run-tests (``tox -e multinode``), which sets the
lab up; without the lab every test is skipped with the reason.  Each test
ends with the consistency audit across the processes.
"""

import os
import signal

from oslo_utils import uuidutils
import testtools

from nova.compute import audit
from nova import exception
from nova import objects
from nova.objects import fields
from nova.objects import host_drain
from nova.sim import constants as sim_constants
from nova.tests import concurrency
from nova.tests.multinode import cloud as multinode
from nova.tests.multinode import infra

STATUS = fields.MigrationStatus
DRAIN = host_drain.DrainResult
RUNNING = sim_constants.VIR_DOMAIN_RUNNING
UNAVAILABLE = os.environ.get('NOVA_MULTINODE_UNAVAILABLE')
LAB = os.environ.get('NOVA_MULTINODE_LAB')
#: MiB/s of a slow link: a 4 GiB guest takes about 20 s to move.
SLOW_LINK = 200


def _flavor(memory_mb=1024):
    return objects.Flavor(flavorid='f%d' % memory_mb, name='f', vcpus=1,
                          memory_mb=memory_mb, root_gb=1, extra_specs={})


class MultinodeTestCase(testtools.TestCase):
    """A cloud of processes per test, its logs kept when a test fails,
    and the helpers the tests share.
    """

    #: The SQL server of the test's databases ('postgresql', 'mariadb').
    DATABASE = 'postgresql'

    def setUp(self):
        super().setUp()
        if not LAB:
            self.skipTest(UNAVAILABLE or 'the multinode lab is not set up '
                          '(run tools/multinode/run-tests)')
        self.cloud = multinode.Cloud(
            't' + uuidutils.generate_uuid(dashed=False)[:10],
            database=self.DATABASE)
        self.addCleanup(self.cloud.stop)
        self.addOnException(self._keep_logs)
        self.cloud.start()
        self.ctxt = self.cloud.ctxt
        self.api = self.cloud.api

    def _keep_logs(self, exc_info):
        for name in sorted(os.listdir(self.cloud.dir)):
            if name.endswith('.log'):
                with open(os.path.join(self.cloud.dir, name),
                          errors='replace') as f:
                    self.addDetailUniqueName(
                        name, testtools.content.text_content(
                            f.read()[-20000:]))

    # -- helpers -------------------------------------------------------------

    def boot(self, host=None, memory_mb=1024):
        inst = self.api.create(self.ctxt, _flavor(memory_mb),
                               {'id': uuidutils.generate_uuid()}, host=host)
        self.assertEqual(fields.VMState.ACTIVE, inst.vm_state)
        return inst

    def slow_link(self, src, dst):
        self.cloud.network('set_link_bandwidth', 'sim://%s/system' % src,
                           'sim://%s/system' % dst, SLOW_LINK)

    def running_slow_migration(self):
        """An instance whose migration h1 -> h2 runs for a while."""
        inst = self.boot(host='h1', memory_mb=4096)
        self.slow_link('h1', 'h2')
        self.api.live_migrate_async(self.ctxt, inst, host='h2')
        self.wait_status(inst, (STATUS.RUNNING,))
        return inst

    def migration_of(self, inst):
        """The instance's latest migration (None: none yet)."""
        found = objects.Migration.get_by_instance(self.ctxt, inst.uuid)
        return found[-1] if found else None

    def _migration_if(self, inst, test):
        migration = self.migration_of(inst)
        return migration if migration is not None and test(migration) \
            else None

    def wait_status(self, inst, statuses, timeout=60):
        return multinode.wait_for(
            'a migration of %s in %s' % (inst.uuid, statuses),
            lambda: self._migration_if(inst, lambda m: m.status in statuses),
            timeout=timeout)

    def wait_final(self, inst, timeout=180):
        return multinode.wait_for(
            'the migration of %s to end' % inst.uuid,
            lambda: self._migration_if(inst, lambda m: m.is_final),
            timeout=timeout)

    def assert_runs_once_where_recorded(self, inst):
        inst.refresh()
        self.assertEqual({inst.host: RUNNING}, self.cloud.where(inst.uuid))
        self.assertIsNone(inst.task_state)

    def assert_consistent(self):
        problems = audit.check(self.ctxt, self.cloud)
        self.assertEqual([], problems)


class ServicesTestCase(MultinodeTestCase):

    def test_boot_and_live_migrate(self):
        inst = self.boot(host='h1')
        migration, outcome = self.api.live_migrate(self.ctxt, inst,
                                                   host='h2')
        self.assertEqual(STATUS.COMPLETED, migration.status)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertIsNone(outcome.error)
        self.assertIn('VIR_MIGRATE_LIVE', outcome.flags)
        self.assert_runs_once_where_recorded(inst)
        self.assertEqual('h2', inst.host)
        self.assert_consistent()

    def test_two_live_migrations_at_once(self):
        # Two API requests for one instance at once, each with its own
        # copy of it: the compare-and-swap on task_state in the SQL server
        # lets exactly one through, before anything is claimed.
        inst = self.boot(host='h1', memory_mb=512)

        def migrate():
            return self.api.live_migrate(
                self.ctxt, objects.Instance.get_by_uuid(self.ctxt,
                                                        inst.uuid),
                host='h2')
        results = concurrency.race(migrate, migrate)
        winner = concurrency.assert_one_wins(
            self, results, exception.InstanceInvalidState)
        self.assertEqual(STATUS.COMPLETED, winner[0].status)
        self.assertEqual(1, len(objects.Migration.get_by_instance(
            self.ctxt, inst.uuid)))
        self.assert_runs_once_where_recorded(inst)
        self.assertEqual('h2', inst.host)
        self.assert_consistent()

    def test_drain_across_processes(self):
        # The purpose crosses the wire: a move asked with one, then a
        # drain run by the nova-conductor process over RabbitMQ.
        moved = self.boot(host='h2', memory_mb=512)
        migration, _outcome = self.api.live_migrate(
            self.ctxt, moved, host='h1',
            purpose=fields.MigrationPurpose.REBALANCE)
        self.assertEqual((STATUS.COMPLETED, 'rebalance'),
                         (migration.status, migration.purpose))
        booted = [moved] + [self.boot(host='h1', memory_mb=size)
                            for size in (1024, 2048)]
        drain = self.api.drain_host(self.ctxt, 'h1')
        self.assertEqual('drained', drain.state)
        self.assertEqual([2048, 1024, 512],
                         [e.memory_mb for e in drain.entries])
        self.assertEqual(['moved'] * 3, [e.result for e in drain.entries])
        # Each move's outcome came back from its source over RabbitMQ.
        self.assertEqual([STATUS.COMPLETED] * 3,
                         [e.outcome.status for e in drain.entries])
        for inst in booted:
            latest = self.migration_of(inst)
            self.assertEqual((STATUS.COMPLETED, 'evacuate-host'),
                             (latest.status, latest.purpose))
            self.assert_runs_once_where_recorded(inst)
            self.assertNotEqual('h1', inst.host)
        self.assertEqual([], objects.Instance.get_by_host(self.ctxt, 'h1'))
        self.assertRaises(exception.HostDrainNotFound,
                          self.api.drain_status, self.ctxt, 'h2')
        self.assert_consistent()

    def test_force_complete_and_abort(self):
        # From two sources: each host runs one outgoing live migration at
        # a time ([DEFAULT] max_concurrent_live_migrations = 1), and both
        # must be running at once here.
        forced = self.boot(host='h1', memory_mb=4096)
        aborted = self.boot(host='h3', memory_mb=4096)
        self.slow_link('h1', 'h2')
        self.slow_link('h3', 'h2')
        self.api.live_migrate_async(self.ctxt, forced, host='h2')
        self.api.live_migrate_async(self.ctxt, aborted, host='h2')
        self.wait_status(forced, (STATUS.RUNNING,))
        self.wait_status(aborted, (STATUS.RUNNING,))
        self.api.live_migrate_force_complete(self.ctxt, forced)
        self.api.live_migrate_abort(self.ctxt, aborted)
        self.assertEqual(STATUS.COMPLETED, self.wait_final(forced).status)
        self.assertEqual(STATUS.CANCELLED, self.wait_final(aborted).status)
        self.assert_runs_once_where_recorded(forced)
        self.assert_runs_once_where_recorded(aborted)
        self.assertEqual(('h2', 'h3'), (forced.host, aborted.host))
        self.assert_consistent()

    def test_evacuate_from_a_dead_host(self):
        inst = self.boot(host='h1')
        self.cloud.network('fail_host', 'sim://h1/system')
        self.cloud.kill('compute-h1')
        self.cloud.wait_down('h1')
        self.assertRaises(exception.ComputeServiceStillUp, self.api.evacuate,
                          self.ctxt, objects.Instance.get_by_uuid(
                              self.ctxt, self.boot(host='h2').uuid))
        migration = self.api.evacuate(self.ctxt, inst)
        self.assertEqual(STATUS.COMPLETED, migration.status)
        self.assertNotEqual('h1', inst.host)
        self.cloud.network('restore_host', 'sim://h1/system')
        self.cloud.start_compute('h1')
        self.cloud.wait_up('h1')
        self.assert_runs_once_where_recorded(inst)
        self.assert_consistent()

    def test_source_compute_killed_mid_migration(self):
        inst = self.running_slow_migration()
        # The hypervisor lives on: its job goes on without a monitor.
        self.cloud.kill('compute-h1', signal.SIGKILL)
        self.cloud.start_compute('h1')
        migration = self.wait_final(inst)
        self.assertEqual(STATUS.COMPLETED, migration.status)
        self.cloud.wait_up('h1')
        self.assert_runs_once_where_recorded(inst)
        self.assertEqual('h2', inst.host)
        self.assert_consistent()

    def test_conductor_restarted_mid_move(self):
        inst = self.running_slow_migration()
        self.cloud.kill('conductor', signal.SIGKILL)
        self.cloud.start_conductor()
        self.assertEqual(STATUS.COMPLETED, self.wait_final(inst).status)
        self.cloud.wait_up()
        self.assert_runs_once_where_recorded(inst)
        self.assert_consistent()

    def test_conductor_restarted_mid_drain(self):
        big = self.boot(host='h1', memory_mb=4096)
        small = self.boot(host='h1', memory_mb=1024)
        self.slow_link('h1', 'h2')
        self.slow_link('h1', 'h3')
        started = self.api.drain_host_async(self.ctxt, 'h1')
        # One move at a time from h1: the big one first, the small waits.
        self.assertEqual(
            [(big.uuid, DRAIN.MOVING), (small.uuid, DRAIN.QUEUED)],
            [(e.instance_uuid, e.result) for e in started.entries])
        self.wait_status(big, (STATUS.RUNNING,))
        self.cloud.kill('conductor', signal.SIGKILL)
        self.cloud.start_conductor()
        # The restarted conductor reports the drain it lost, from the
        # database.
        seen = self.api.drain_status(self.ctxt, 'h1')
        self.assertEqual('interrupted', seen.state)
        self.assertIn(seen.entries[0].result, (DRAIN.MOVING, DRAIN.MOVED))
        self.assertEqual(DRAIN.REFUSED, seen.entries[1].result)
        self.assertIn('restarted', seen.entries[1].error)
        # The move asked for goes on; a new drain moves the rest.
        self.assertEqual(STATUS.COMPLETED, self.wait_final(big).status)
        again = self.api.drain_host(self.ctxt, 'h1')
        self.assertEqual(('drained', [small.uuid]),
                         (again.state, [e.instance_uuid
                                        for e in again.entries]))
        self.cloud.wait_up()
        for inst in (big, small):
            self.assert_runs_once_where_recorded(inst)
            self.assertNotEqual('h1', inst.host)
        self.assert_consistent()

    def test_rabbitmq_restarted_mid_move(self):
        inst = self.running_slow_migration()
        infra.restart_rabbit()
        self.assertEqual(STATUS.COMPLETED, self.wait_final(inst).status)
        self.cloud.wait_up()
        self.assert_runs_once_where_recorded(inst)
        self.assert_consistent()

    def test_partitioned_host(self):
        if not multinode.NETNS_PREFIX:
            self.skipTest('the lab has no network namespaces here (not '
                          'root, or ip netns refused): no partition')
        inst = self.boot(host='h2')
        self.cloud.partition('h2')
        healed = False
        try:
            self.cloud.wait_down('h2')
            for _ in range(3):
                other = self.boot()
                self.assertNotEqual('h2', other.host)
            migration = self.api.evacuate(self.ctxt, inst)
            self.assertEqual(STATUS.COMPLETED, migration.status)
            self.cloud.partition('h2', heal=True)
            healed = True
            self.cloud.wait_up('h2')
            multinode.wait_for(
                'the evacuated guest to be gone from h2',
                lambda: 'h2' not in self.cloud.where(inst.uuid),
                timeout=60)
        finally:
            if not healed:
                self.cloud.partition('h2', heal=True)
        self.assert_runs_once_where_recorded(inst)
        self.assert_consistent()


class RealLibvirtServicesTestCase(ServicesTestCase):
    """The same services driving the real-libvirt lab's two libvirtd
    daemons (TCG guests): set NOVA_MULTINODE_REAL_LIBVIRT_LAB to the lab's
    lab.env (tools/real-libvirt/setup) with the multinode lab up.  Only
    one lab may use those daemons at a time.
    """

    def setUp(self):
        testtools.TestCase.setUp(self)
        path = os.environ.get('NOVA_MULTINODE_REAL_LIBVIRT_LAB')
        if not LAB or not path:
            self.skipTest('the real-libvirt variant needs the multinode lab '
                          'and NOVA_MULTINODE_REAL_LIBVIRT_LAB (the '
                          'real-libvirt lab\'s lab.env)')
        env = {}
        with open(path) as f:
            for line in f:
                if '=' in line and not line.startswith('#'):
                    key, value = line.strip().split('=', 1)
                    env[key] = value
        self.cloud = multinode.Cloud(
            't' + uuidutils.generate_uuid(dashed=False)[:10],
            hosts=('a', 'b'), real_libvirt=env)
        self.addCleanup(self.cloud.stop)
        self.addOnException(self._keep_logs)
        self.cloud.start()
        self.ctxt = self.cloud.ctxt
        self.api = self.cloud.api

    def test_boot_and_live_migrate(self):
        inst = self.boot(host='a', memory_mb=256)
        migration, outcome = self.api.live_migrate(self.ctxt, inst,
                                                   host='b')
        self.assertEqual(STATUS.COMPLETED, migration.status)
        self.assert_runs_once_where_recorded(inst)
        self.assertEqual('b', inst.host)
        self.api.delete(self.ctxt, inst)
        self.assert_consistent()

    # The fault tests need the simulated hypervisors (links, failures);
    # the race runs on them (the SQL server decides it, not libvirt).
    for _name in ('test_two_live_migrations_at_once',
                  'test_conductor_restarted_mid_drain',
                  'test_force_complete_and_abort',
                  'test_drain_across_processes',
                  'test_evacuate_from_a_dead_host',
                  'test_source_compute_killed_mid_migration',
                  'test_conductor_restarted_mid_move',
                  'test_rabbitmq_restarted_mid_move',
                  'test_partitioned_host'):
        locals()[_name] = None
    del _name
