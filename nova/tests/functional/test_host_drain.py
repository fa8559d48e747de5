"""Host drains and migration purposes through the whole embedded
deployment: conductor, scheduler, computes on the simulated libvirt and
the real Placement.  Times are virtual seconds (the simulator's clock).
"""

import io
import json
import os
import threading

import fixtures

from nova.compute import audit
from nova import context
from nova.conductor.tasks import drain as drain_task
from nova import exception
from nova import objects
from nova.objects import fields
from nova.objects import host_drain
from nova.scenario import job
from nova.scenario import progress
from nova.scenario import report as scenario_report
from nova.scenario import schema
from nova.sim import model
from nova import test
from nova.tests import fixtures as nova_fixtures
from nova.tests.functional import integrated_helpers as helpers

STATUS = fields.MigrationStatus
PURPOSE = fields.MigrationPurpose
RESULT = host_drain.DrainResult
MIB = 1024.0 * 1024.0
#: The source's NIC: the one link every move of a drain shares.
NIC_MBPS = 1000
#: Memory (MiB) of the instances to drain, in boot order.
SIZES = (1024, 4096, 2048, 8192, 512)


def _hosts(limit=2, dest_memory_mb=None):
    dest = {'pmem': False}
    if dest_memory_mb:
        dest['memory_mb'] = dest_memory_mb
    return {'src': {'pmem': False, 'nic_mbps': NIC_MBPS,
                    'default_opts': {
                        'max_concurrent_live_migrations': limit}},
            'd1': dict(dest), 'd2': dict(dest)}


def hold_drains_open(test):
    """Keep every drain ``running`` until the returned Event is set: its
    moves all end, only its end is not recorded (no race with the clock).
    """
    gate = threading.Event()
    test.addCleanup(gate.set)
    original = drain_task.DrainTask._finish

    def gated(task, elapsed):
        gate.wait(60)
        original(task, elapsed)
    test.useFixture(fixtures.MockPatchObject(
        drain_task.DrainTask, '_finish', autospec=True, side_effect=gated))
    return gate


class _DrainTestCase(helpers.DeploymentTestCase):

    def boot_sizes(self, sizes=SIZES, host='src'):
        booted = []
        for index, memory_mb in enumerate(sizes):
            inst = self.cloud.boot(helpers.flavor(
                name='m%d' % memory_mb, memory_mb=memory_mb), host=host)
            inst.display_name = 'vm%d' % index
            inst.save()
            booted.append(inst)
        return booted

    def assert_host_empty(self, host):
        self.assertEqual([], objects.Instance.get_by_host(self.ctxt, host))
        self.assertEqual([], self.cloud.sim.hosts[host].domains())

    def assert_audit_clean(self):
        self.assertEqual([], audit.check(
            self.ctxt, self.cloud.deployment,
            pmem_owners=self.cloud.pmem_owners()))


class HostDrainTestCase(_DrainTestCase):

    HOSTS = _hosts(limit=2)

    def test_drain_empties_the_host_largest_first_two_at_a_time(self):
        booted = self.boot_sizes()
        start = self.cloud.network.clock.now()
        drain = self.cloud.api.drain_host(self.ctxt, 'src')
        took = self.cloud.network.clock.now() - start

        self.assertEqual(host_drain.DrainState.DRAINED, drain.state)
        self.assertEqual(2, drain.max_concurrent)
        self.assertEqual('largest-memory-first', drain.order)
        self.assertEqual(sorted(SIZES, reverse=True),
                         [e.memory_mb for e in drain.entries])
        self.assertEqual([RESULT.MOVED] * len(SIZES),
                         [e.result for e in drain.entries])
        self.assert_host_empty('src')
        self.assert_audit_clean()
        # Every move is an ordinary live migration recorded with the
        # drain's purpose, completed, on a host other than the source.
        for inst in booted:
            (migration,) = objects.Migration.get_by_instance(self.ctxt,
                                                             inst.uuid)
            self.assertEqual(PURPOSE.EVACUATE_HOST, migration.purpose)
            self.assertEqual(STATUS.COMPLETED, migration.status)
            self.assertEqual(fields.MigrationType.LIVE_MIGRATION,
                             migration.migration_type)
            inst.refresh()
            self.assertIn(inst.host, ('d1', 'd2'))
            self.assertEqual({inst.host: 1}, self.cloud.sim.where(inst))
        # Never more than two at once: the host's limit.
        spans = [(e.started_s, e.finished_s) for e in drain.entries]
        for at, _end in spans:
            running = [s for s in spans if s[0] <= at < s[1]]
            self.assertLessEqual(len(running), 2, spans)
        # The two largest start together; each later one starts when a
        # move ends.
        self.assertEqual([0.0, 0.0], [s[0] for s in spans[:2]])
        ends = {s[1] for s in spans}
        self.assertTrue(all(s[0] in ends for s in spans[2:]), spans)
        # The link bound: every byte sent once at the NIC's rate.  The
        # order keeps the NIC busy to the end (within 5 %, the monitor's
        # half-second looks and each move's stop-and-copy).
        sent = sum(e.outcome.bytes_moved for e in drain.entries)
        bound = sent / MIB / NIC_MBPS
        self.assertAlmostEqual(took, drain.elapsed_s, delta=0.01)
        self.assertLess(drain.elapsed_s, 1.05 * bound,
                        (drain.elapsed_s, bound))
        self.addDetailUniqueName('drain', _text('elapsed %.3f s, link '
                                                'bound %.3f s' % (
                                                    drain.elapsed_s, bound)))

    def test_same_numbers_every_run(self):
        self.boot_sizes((2048, 1024, 2048))
        first = self.cloud.api.drain_host(self.ctxt, 'src')
        numbers = [(e.name, e.started_s, e.finished_s, e.dest,
                    e.outcome.bytes_moved) for e in first.entries]
        # Same sizes: ties go by name, so the order is the boot order.
        self.assertEqual(['vm0', 'vm2', 'vm1'], [n[0] for n in numbers])
        # Back to src, drained again: the same schedule.
        for entry in first.entries:
            inst = objects.Instance.get_by_uuid(self.ctxt,
                                                entry.instance_uuid)
            self.cloud.api.live_migrate(self.ctxt, inst, host='src')
        again = self.cloud.api.drain_host(self.ctxt, 'src')
        self.assertEqual(
            [n[1:3] for n in numbers],
            [(e.started_s, e.finished_s) for e in again.entries])
        self.assert_audit_clean()

    def test_concurrent_drains_refused(self):
        self.boot_sizes((1024, 2048, 4096))
        gate = hold_drains_open(self)
        started = self.cloud.api.drain_host_async(self.ctxt, 'src')
        self.assertEqual(host_drain.DrainState.RUNNING, started.state)
        # The first two were asked for before the answer.
        self.assertEqual([RESULT.MOVING, RESULT.MOVING, RESULT.QUEUED],
                         [e.result for e in started.entries])
        self.assertTrue(all(e.migration_uuid
                            for e in started.entries[:2]))
        exc = self.assertRaises(exception.HostDrainInProgress,
                                self.cloud.api.drain_host_async,
                                self.ctxt, 'src')
        self.assertEqual(409, exc.code)
        self.assertIn('src is already being drained', str(exc))
        # The embedded cloud drains one host at a time.
        exc = self.assertRaises(exception.HostDrainNotPossible,
                                self.cloud.api.drain_host_async,
                                self.ctxt, 'd1')
        self.assertEqual(409, exc.code)
        self.assertEqual([], [m for m in objects.Migration.get_all(
            self.ctxt) if m.source_compute == 'd1'])
        gate.set()
        drain = self._wait(started.host)
        self.assertEqual(host_drain.DrainState.DRAINED, drain.state)
        self.assert_host_empty('src')
        # Once it ended, the host may be drained again (nothing to move).
        again = self.cloud.api.drain_host(self.ctxt, 'src')
        self.assertEqual((host_drain.DrainState.DRAINED, []),
                         (again.state, again.entries))
        self.assert_audit_clean()

    def _wait(self, host):
        for _attempt in range(2000):
            drain = self.cloud.api.drain_status(self.ctxt, host)
            if drain.state != host_drain.DrainState.RUNNING:
                return drain
            self.cloud.deployment.task_manager._drains[host].wait(0.05)
        self.fail('the drain of %s did not end' % host)

    def test_refusals_move_nothing(self):
        inst = self.boot_sizes((1024,))[0]
        exc = self.assertRaises(exception.ServiceNotFound,
                                self.cloud.api.drain_host, self.ctxt,
                                'nowhere')
        self.assertEqual(404, exc.code)
        self.assertRaises(exception.HostDrainNotFound,
                          self.cloud.api.drain_status, self.ctxt, 'nowhere')
        self.cloud.deployment.service_down('src')
        exc = self.assertRaises(exception.HostDrainHostDown,
                                self.cloud.api.drain_host, self.ctxt, 'src')
        self.assertIn('evacuate', str(exc).lower())
        self.cloud.deployment.service_up('src')
        inst.refresh()
        self.assertEqual(('src', None), (inst.host, inst.task_state))
        self.assertEqual([], objects.Migration.get_by_instance(self.ctxt,
                                                               inst.uuid))
        self.assert_audit_clean()


class PartialDrainTestCase(_DrainTestCase):

    HOSTS = _hosts(limit=2, dest_memory_mb=8192)

    def test_an_instance_that_cannot_move_is_reported(self):
        movable = self.boot_sizes((1024, 2048))
        # Too big for either destination (8 GiB hosts): no valid host,
        # the instance stays where it runs.
        stuck = self.cloud.boot(helpers.flavor(name='huge',
                                               memory_mb=12 * 1024),
                                host='src')
        busy = self.boot_sizes((512,))[0]
        busy.task_state = fields.TaskState.DELETING
        busy.save()
        drain = self.cloud.api.drain_host(self.ctxt, 'src')

        self.assertEqual(host_drain.DrainState.PARTIAL, drain.state)
        results = {e.instance_uuid: e for e in drain.entries}
        self.assertEqual(RESULT.REFUSED, results[stuck.uuid].result)
        self.assertIn('NoValidHost', results[stuck.uuid].error)
        self.assertEqual(RESULT.REFUSED, results[busy.uuid].result)
        self.assertIn('deleting', results[busy.uuid].error)
        for inst in movable:
            self.assertEqual(RESULT.MOVED, results[inst.uuid].result)
            inst.refresh()
            self.assertNotEqual('src', inst.host)
        # The refused ones are exactly as they were.
        stuck.refresh()
        self.assertEqual(('src', None, fields.VMState.ACTIVE),
                         (stuck.host, stuck.task_state, stuck.vm_state))
        self.assertEqual({'src': 1}, self.cloud.sim.where(stuck))
        self.assertEqual({'src'}, set(self.cloud.allocations(stuck.uuid)))
        self.assertEqual(dict(dict.fromkeys(RESULT.ALL, 0), moved=2,
                              refused=2), drain.counts())
        busy.task_state = None
        busy.save()
        self.assert_audit_clean()


class PurposeTestCase(_DrainTestCase):

    HOSTS = _hosts(limit=1)

    def test_purpose_recorded_and_default(self):
        first, second = self.boot_sizes((1024, 1024))
        migration, outcome = self.cloud.api.live_migrate(
            self.ctxt, first, purpose=PURPOSE.REBALANCE)
        self.assertEqual(STATUS.COMPLETED, outcome.status)
        self.assertEqual(PURPOSE.REBALANCE, migration.purpose)
        migration, _outcome = self.cloud.api.live_migrate(self.ctxt, second)
        self.assertEqual(PURPOSE.MAINTENANCE,
                         objects.Migration.get_by_uuid(
                             self.ctxt, migration.uuid).purpose)
        self.assert_audit_clean()

    def test_bad_purpose_refused_before_anything(self):
        inst = self.boot_sizes((1024,))[0]
        exc = self.assertRaises(exception.InvalidMigrationPurpose,
                                self.cloud.api.live_migrate, self.ctxt,
                                inst, purpose='drain')
        self.assertIn("purpose='drain'", str(exc))
        self.assertIn('evacuate-host, maintenance, rebalance', str(exc))
        inst.refresh()
        self.assertEqual(('src', None), (inst.host, inst.task_state))
        self.assertEqual([], objects.Migration.get_by_instance(self.ctxt,
                                                               inst.uuid))

    def test_the_conductor_checks_the_purpose_too(self):
        # A caller that skipped the compute API's check: the conductor
        # refuses with the same error and clears the task state.
        inst = self.boot_sizes((1024,))[0]
        inst.task_state = fields.TaskState.MIGRATING
        inst.save()
        exc = self.assertRaises(
            exception.InvalidMigrationPurpose,
            self.cloud.deployment.conductor.live_migrate_instance,
            self.ctxt, inst, purpose=7)
        self.assertIn('purpose=7', str(exc))
        inst.refresh()
        self.assertIsNone(inst.task_state)
        self.assertEqual([], objects.Migration.get_by_instance(self.ctxt,
                                                               inst.uuid))


class DrainWithWorkloadTestCase(_DrainTestCase):

    HOSTS = _hosts(limit=0)

    def test_no_limit_moves_everything_at_once(self):
        booted = self.boot_sizes((1024, 2048, 1024))
        self.cloud.set_workload(booted[1], model.Workload(
            ram_mb=2048, wws_mb=256, dirty_rate_mbps=50))
        drain = self.cloud.api.drain_host(self.ctxt, 'src')
        self.assertEqual(0, drain.max_concurrent)
        self.assertEqual([0.0] * 3, [e.started_s for e in drain.entries])
        self.assertEqual(host_drain.DrainState.DRAINED, drain.state)
        self.assert_host_empty('src')
        self.assert_audit_clean()


def _text(value):
    from testtools import content
    return content.text_content(value)


class DrainScenarioTestCase(test.NoDBTestCase):
    """The ``drain_host`` step and the ``purpose`` key of a scenario."""

    SCENARIO = {
        'hosts': {'a': {'nic_mbps': NIC_MBPS,
                        'max_concurrent_live_migrations': 2},
                  'b': {'memory_mb': 16384}, 'c': {'memory_mb': 4096}},
        'flavors': {'small': {'vcpus': 1, 'memory_mb': 1024},
                    'large': {'vcpus': 2, 'memory_mb': 4096},
                    'huge': {'vcpus': 2, 'memory_mb': 40960}},
        'instances': {'vm1': {'flavor': 'small', 'host': 'a'},
                      'vm2': {'flavor': 'large', 'host': 'a',
                              'workload': {'wws_mb': 256,
                                           'dirty_rate_mbps': 20}},
                      'vm3': {'flavor': 'small', 'host': 'b'},
                      'big': {'flavor': 'huge', 'host': 'a'}},
        'steps': [
            {'live_migrate': 'vm3', 'to': 'c', 'purpose': 'rebalance',
             'expect': 'completed'},
            {'drain_host': 'a', 'expect': 'partial'},
            {'host_down': 'c'},
            {'drain_host': 'c', 'expect': 'refused'},
            {'host_up': 'c'},
        ],
    }

    def test_drain_step(self):
        self.useFixture(nova_fixtures.Database())
        placement = self.useFixture(nova_fixtures.PlacementFixture())
        output = self.useFixture(fixtures.TempDir()).path
        report = job.execute(
            schema.validate(self.SCENARIO), context.get_admin_context(),
            placement.client,
            progress.Display(io.StringIO(), interactive=False), output)
        self.assertTrue(report['audit']['clean'], report['audit'])
        self.assertEqual([], report['expectations'])
        ops = [(op['instance'], op['purpose'], op['result'], op.get('drain'))
               for op in report['operations']]
        # Largest first: big (no host has room: refused), vm2, vm1.
        self.assertEqual([
            ('vm3', 'rebalance', 'completed', None),
            ('big', 'evacuate-host', 'refused', 'a'),
            ('vm2', 'evacuate-host', 'completed', 'a'),
            ('vm1', 'evacuate-host', 'completed', 'a')], ops)
        first, refused = report['drains']
        self.assertEqual(('a', 'partial', 2, 'largest-memory-first'),
                         (first['host'], first['result'],
                          first['max_concurrent'], first['order']))
        self.assertEqual(dict(dict.fromkeys(RESULT.ALL, 0), moved=2,
                              refused=1), first['counts'])
        self.assertGreater(first['elapsed_s'], 0)
        self.assertEqual(('c', 'refused'), (refused['host'],
                                            refused['result']))
        self.assertIn('HostDrainHostDown', refused['error'])
        hosts = {e['name']: e['host'] for e in report['instances']}
        self.assertEqual(('c', 'a'), (hosts['vm3'], hosts['big']))
        self.assertNotIn('a', (hosts['vm1'], hosts['vm2']))
        with open(os.path.join(output, job.RESULTS_FILE)) as f:
            written = json.load(f)
        self.assertEqual(['rebalance'] + ['evacuate-host'] * 3,
                         [op['purpose'] for op in written['operations']])
        text = scenario_report.text(report)
        self.assertIn('Host drains (purpose evacuate-host', text)
        self.assertIn('evacuate-host', text)
