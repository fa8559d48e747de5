"""Scheduling by migration policy against the real Placement service."""

import ddt
from oslo_utils import uuidutils

from nova.compute import api as compute_api
from nova import context
from nova import exception
from nova import objects
from nova.scheduler.client import report
from nova.scheduler import manager
from nova import test
from nova.tests import fixtures as nova_fixtures

AC = 'COMPUTE_MIGRATE_AUTO_CONVERGE'
PC = 'COMPUTE_MIGRATE_POST_COPY'
ACK = 'compute:live_migration_auto_converge'
PCK = 'compute:live_migration_post_copy'
ACI = 'compute_live_migration_auto_converge'
PCI = 'compute_live_migration_post_copy'


def _flavor(specs=None, vcpus=2, memory_mb=2048, root_gb=10):
    return objects.Flavor(flavorid='f1', name='m1', vcpus=vcpus,
                          memory_mb=memory_mb, root_gb=root_gb,
                          extra_specs=specs or {})


class _Base(test.NoDBTestCase):

    HOSTS = (('both', (AC, PC)), ('post-copy-only', (PC,)),
             ('no-traits', ()))

    def setUp(self):
        super().setUp()
        self.placement = self.useFixture(nova_fixtures.PlacementFixture())
        self.client = self.placement.client
        self.rps = {name: self.placement.add_host(name, traits)
                    for name, traits in self.HOSTS}
        self.scheduler = manager.SchedulerManager(self.client)
        self.api = compute_api.API(self.scheduler)
        self.ctxt = context.RequestContext(project_id='proj', user_id='usr')

    def snapshot(self):
        """Everything a request could change in Placement."""
        return ([(p['uuid'], p['generation'])
                 for p in self.client.get_providers()],
                self.placement.all_usages())

    def spec(self, specs=None, props=None, **kw):
        image = objects.ImageMeta.from_dict({'properties': props or {}})
        return objects.RequestSpec.from_components(
            uuidutils.generate_uuid(), _flavor(specs), image, 'proj', 'usr',
            **kw)


@ddt.ddt
class CandidateHostsTestCase(_Base):

    @ddt.data(
        ({}, {}, {'both', 'post-copy-only', 'no-traits'}),
        ({ACK: 'true'}, {}, {'both'}),
        ({PCK: 'true'}, {}, {'both', 'post-copy-only'}),
        ({}, {ACI: 'yes'}, {'both'}),
        ({}, {PCI: True}, {'both', 'post-copy-only'}),
        ({ACK: 'false', PCK: 'false'}, {},
         {'both', 'post-copy-only', 'no-traits'}),
        ({ACK: 'false'}, {PCI: 'true'}, {'both', 'post-copy-only'}),
        ({PCK: 'true'}, {PCI: 'true'}, {'both', 'post-copy-only'}),
    )
    @ddt.unpack
    def test_hosts_for_policy(self, specs, props, expected):
        spec = self.spec(specs, props)
        hosts = {c.host for c in
                 self.scheduler.find_candidates(self.ctxt, spec)}
        self.assertEqual(expected, hosts)

    def test_ignore_and_requested_hosts(self):
        spec = self.spec({PCK: 'true'}, ignore_hosts=['both'])
        self.assertEqual(['post-copy-only'], [
            c.host for c in self.scheduler.find_candidates(self.ctxt, spec)])
        spec = self.spec({PCK: 'true'}, requested_host='no-traits')
        exc = self.assertRaises(exception.NoValidHost,
                                self.scheduler.find_candidates, self.ctxt,
                                spec)
        self.assertIn('requested host no-traits', str(exc))

    def test_no_room(self):
        spec = self.spec({PCK: 'true'})
        spec.flavor = _flavor({PCK: 'true'}, memory_mb=10 ** 6)
        exc = self.assertRaises(exception.NoValidHost,
                                self.scheduler.find_candidates, self.ctxt,
                                spec)
        self.assertIn('No host with the traits COMPUTE_MIGRATE_POST_COPY '
                      'has room for', str(exc))


class MissingTraitTestCase(_Base):
    HOSTS = (('post-copy-only', (PC,)), ('no-traits', ()))

    def test_no_valid_host_names_missing_trait(self):
        spec = self.spec({ACK: 'true'})
        exc = self.assertRaises(exception.NoValidHost,
                                self.scheduler.find_candidates, self.ctxt,
                                spec)
        self.assertIn('No host reports the required trait(s) '
                      'COMPUTE_MIGRATE_AUTO_CONVERGE', str(exc))


@ddt.ddt
class CreateTestCase(_Base):

    def test_create_claims_on_a_matching_host(self):
        before = self.placement.all_usages()
        instance = self.api.create(self.ctxt, _flavor({ACK: 'true'}),
                                   {'properties': {PCI: 'false'}})
        self.assertEqual('both', instance.host)
        alloc = self.client.get_allocations_for_consumer(instance.uuid)
        self.assertEqual({self.rps['both']}, set(alloc['allocations']))
        self.assertEqual('INSTANCE', alloc['consumer_type'])
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 2048, 'DISK_GB': 10},
                         self.placement.all_usages()['both'])
        self.assertEqual(before['no-traits'],
                         self.placement.all_usages()['no-traits'])
        self.assertIs(False, instance.image_meta.properties.get(PCI))

    @ddt.data(
        ({ACK: 'true'}, {ACI: 'false'}, exception.FlavorImageConflict),
        ({PCK: 'false'}, {PCI: 'true'}, exception.FlavorImageConflict),
        ({ACK: 'true', PCK: 'true'}, {},
         exception.AutoConvergeAndPostCopyConflict),
        ({ACK: 'true'}, {PCI: 'true'},
         exception.AutoConvergeAndPostCopyConflict),
        ({PCK: 'true', 'hw:pmem': '4GB'}, {},
         exception.PostCopyWithVPMEMConflict),
        ({PCK: 'maybe'}, {}, exception.InvalidExtraSpec),
        ({'compute:live_migration_postcopy': 'true'}, {},
         exception.InvalidExtraSpec),
        ({}, {ACI: 'ture'}, exception.InvalidImageProperty),
        ({}, {'compute_unknown': 'x'}, exception.InvalidImageProperty),
    )
    @ddt.unpack
    def test_refused_leaves_placement_untouched(self, specs, props, error):
        before = self.snapshot()
        exc = self.assertRaises(error, self.api.create, self.ctxt,
                                _flavor(specs), {'properties': props})
        self.assertEqual(400, exc.code)
        self.assertEqual(before, self.snapshot())

    def test_no_valid_host_leaves_placement_untouched(self):
        self.placement.client.set_traits(self.rps['both'], [PC])
        before = self.snapshot()
        self.assertRaises(exception.NoValidHost, self.api.create, self.ctxt,
                          _flavor({ACK: 'true'}), {})
        self.assertEqual(before, self.snapshot())

    def test_hosts_fill_up(self):
        flavor = _flavor({PCK: 'true'}, vcpus=8, memory_mb=8192, root_gb=1)
        hosts = {self.api.create(self.ctxt, flavor, {}).host
                 for _ in range(2)}
        self.assertEqual({'both', 'post-copy-only'}, hosts)
        self.assertRaises(exception.NoValidHost, self.api.create, self.ctxt,
                          flavor, {})


class AllocationMoveTestCase(_Base):
    """The live-migration hand-over of allocations, both ways."""

    def setUp(self):
        super().setUp()
        self.instance = self.api.create(self.ctxt, _flavor({PCK: 'true'}),
                                        {})
        self.source = self.instance.host
        self.migration = uuidutils.generate_uuid()

    def _move_to_destination(self):
        self.client.move_allocations(self.instance.uuid, self.migration,
                                     report.CONSUMER_MIGRATION)
        spec = objects.RequestSpec.from_instance(
            self.instance, ignore_hosts=[self.source])
        return self.scheduler.select_destinations(self.ctxt, spec)

    def _holders(self, consumer):
        allocs = self.client.get_allocations_for_consumer(consumer)
        names = {v: k for k, v in self.rps.items()}
        return sorted(names[rp] for rp in allocs['allocations'])

    def test_move_then_success(self):
        dest = self._move_to_destination()
        self.assertNotEqual(self.source, dest.host)
        self.assertEqual([self.source], self._holders(self.migration))
        self.assertEqual([dest.host], self._holders(self.instance.uuid))
        mig = self.client.get_allocations_for_consumer(self.migration)
        self.assertEqual('MIGRATION', mig['consumer_type'])
        # Both hosts are in use while the migration runs.
        usages = self.placement.all_usages()
        self.assertEqual(2, usages[self.source]['VCPU'])
        self.assertEqual(2, usages[dest.host]['VCPU'])
        # Success: the migration's hold on the source goes away.
        self.client.delete_allocation_for_consumer(self.migration)
        self.assertEqual(0, self.placement.all_usages()[self.source]['VCPU'])
        self.assertEqual([], self._holders(self.migration))

    def test_move_then_rollback(self):
        dest = self._move_to_destination()
        self.client.move_allocations(self.migration, self.instance.uuid,
                                     report.CONSUMER_INSTANCE)
        self.assertEqual([self.source], self._holders(self.instance.uuid))
        self.assertEqual([], self._holders(self.migration))
        usages = self.placement.all_usages()
        self.assertEqual(0, usages[dest.host]['VCPU'])
        self.assertEqual(2, usages[self.source]['VCPU'])
        inst = self.client.get_allocations_for_consumer(self.instance.uuid)
        self.assertEqual('INSTANCE', inst['consumer_type'])

    def test_revert_allocation_for_migration_is_idempotent(self):
        dest = self._move_to_destination()
        self.client.revert_allocation_for_migration(self.migration,
                                                    self.instance.uuid)
        self.assertEqual([self.source], self._holders(self.instance.uuid))
        # A second revert (rollback after a failed revert) changes nothing.
        self.client.revert_allocation_for_migration(self.migration,
                                                    self.instance.uuid)
        self.assertEqual([self.source], self._holders(self.instance.uuid))
        self.assertEqual(0, self.placement.all_usages()[dest.host]['VCPU'])

    def test_generation_race_is_retried(self):
        """A concurrent write makes the first POST fail with 409.

        It changes the instance's consumer generation between the client's
        read and its POST; the client re-reads and wins the second time.
        """
        racer = _RaceBeforeFirstPost(self.placement.adapter,
                                     self._bump_instance_generation)
        client = report.SchedulerReportClient(racer, conflict_retries=2)
        client.move_allocations(self.instance.uuid, self.migration)
        self.assertEqual(2, racer.posts)
        self.assertEqual([self.source], self._holders(self.migration))

    def test_generation_race_gives_up(self):
        racer = _RaceBeforeFirstPost(self.placement.adapter,
                                     self._bump_instance_generation,
                                     every_time=True)
        client = report.SchedulerReportClient(racer, conflict_retries=1)
        exc = self.assertRaises(exception.PlacementConflict,
                                client.move_allocations, self.instance.uuid,
                                self.migration)
        self.assertIn('after 2 attempts', str(exc))
        self.assertEqual([self.source], self._holders(self.instance.uuid))

    def _bump_instance_generation(self):
        current = self.client.get_allocations_for_consumer(
            self.instance.uuid)
        self.client._call('PUT', '/allocations/%s' % self.instance.uuid, {
            'allocations': {rp: {'resources': a['resources']}
                            for rp, a in current['allocations'].items()},
            'project_id': 'proj', 'user_id': 'usr',
            'consumer_generation': current['consumer_generation'],
            'consumer_type': 'INSTANCE'}, ok=(204,))


class _RaceBeforeFirstPost(object):
    """An adapter that lets another writer in just before a POST."""

    def __init__(self, adapter, interloper, every_time=False):
        self._adapter = adapter
        self._interloper = interloper
        self._every_time = every_time
        self.posts = 0

    def request(self, url, method, **kwargs):
        if method == 'POST':
            self.posts += 1
            if self.posts == 1 or self._every_time:
                self._interloper()
        return self._adapter.request(url, method, **kwargs)

    def get(self, url, **kwargs):
        return self.request(url, 'GET', **kwargs)


class UnknownResourceClassTestCase(_Base):

    def test_vpmem_label_no_host_has(self):
        spec = self.spec({'hw:pmem': 'SMALL'})
        exc = self.assertRaises(exception.NoValidHost,
                                self.scheduler.find_candidates, self.ctxt,
                                spec)
        self.assertIn('No host offers the resource class '
                      'CUSTOM_PMEM_NAMESPACE_SMALL', str(exc))
