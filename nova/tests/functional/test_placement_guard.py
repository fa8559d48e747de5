"""A run refuses a Placement with providers and gives back what it created
(nova.scenario.placement_guard), against the real Placement service.
"""

import os
import signal
from unittest import mock

import fixtures
from oslo_utils import uuidutils

from nova import context
from nova import exception
from nova.scenario import interrupt
from nova.scenario import job
from nova.scenario import placement_guard
from nova.scenario import runner as runner_mod
from nova import test
from nova.tests import fixtures as nova_fixtures


class PlacementGuardTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.placement = self.useFixture(nova_fixtures.PlacementFixture())
        self.client = self.placement.client

    def _allocate(self, rp_uuid, amount=1):
        consumer = uuidutils.generate_uuid()
        self.client.claim_resources(
            consumer, {rp_uuid: {'resources': {'VCPU': amount}}}, 'p', 'u')
        return consumer

    def test_refuses_providers_and_names_them(self):
        for name in ('old-1', 'old-2'):
            self.placement.add_host(name)
        exc = self.assertRaises(exception.PlacementNotEmpty,
                                placement_guard.check_empty, self.client)
        self.assertIsInstance(exc, exception.Invalid)
        self.assertIn('already holds 2 resource provider(s) (old-1, old-2)',
                      str(exc))
        self.assertIn(self.placement.endpoint, str(exc))

    def test_many_names_cut(self):
        for index in range(7):
            self.placement.add_host('old-%d' % index)
        exc = self.assertRaises(exception.PlacementNotEmpty,
                                placement_guard.check_empty, self.client)
        self.assertIn('7 resource provider(s) (old-0, old-1, old-2, old-3, '
                      'old-4, ...)', str(exc))

    def test_gives_back_everything_created(self):
        self.client._call('PUT', '/resource_classes/CUSTOM_KEPT',
                          ok=(201, 204))
        snapshot = placement_guard.check_empty(self.client)
        self.assertEqual({'CUSTOM_KEPT'}, snapshot.resource_classes)
        # What a run creates: hosts, a child provider, a custom resource
        # class and trait, allocations of instances and migrations.
        host = self.placement.add_host('h1', traits=['CUSTOM_MINE'])
        other = self.placement.add_host('h2')
        child = uuidutils.generate_uuid()
        self.client.ensure_resource_provider(child, 'h1-pmem',
                                             parent_uuid=host)
        self.client.ensure_resource_classes(['CUSTOM_PMEM_NAMESPACE_SMALL'])
        self.client.set_inventory(child, {'CUSTOM_PMEM_NAMESPACE_SMALL': {
            'total': 2}})
        self._allocate(host)
        self._allocate(host, 2)
        self._allocate(other)

        done = placement_guard.remove_created(self.client, snapshot)

        self.assertEqual({'providers': 3, 'consumers': 3,
                          'resource_classes': 1, 'traits': 1,
                          'problems': []}, done)
        self.assertEqual([], self.client.get_providers())
        self.assertEqual(set(), self.client.get_custom_traits())
        self.assertEqual({'CUSTOM_KEPT'},
                         self.client.get_custom_resource_classes())
        # And the next run finds it empty.
        placement_guard.check_empty(self.client)

    def test_nothing_created(self):
        snapshot = placement_guard.check_empty(self.client)
        self.assertEqual({'providers': 0, 'consumers': 0,
                          'resource_classes': 0, 'traits': 0,
                          'problems': []},
                         placement_guard.remove_created(self.client,
                                                        snapshot))

    def test_unavailable_placement_is_a_problem_not_an_error(self):
        snapshot = placement_guard.check_empty(self.client)
        self.placement.add_host('h1')
        failure = exception.PlacementUnavailable(
            endpoint='http://p', method='DELETE', url='/x', reason='gone')
        with mock.patch.object(self.client, 'delete_resource_provider',
                               side_effect=failure):
            done = placement_guard.remove_created(self.client, snapshot)
        self.assertEqual(0, done['providers'])
        self.assertEqual(1, len(done['problems']))
        self.assertIn('could not be given back as it was found: Placement '
                      'at http://p is unavailable', done['problems'][0])


class JobGivesBackTestCase(test.NoDBTestCase):
    """job.execute gives Placement back however the run ends."""

    def setUp(self):
        super().setUp()
        self.placement = self.useFixture(nova_fixtures.PlacementFixture())
        self.output = self.useFixture(fixtures.TempDir()).path

    def _run_that_ends_with(self, error):
        placement = self.placement

        def run(runner):
            rp = placement.add_host('h1')
            consumer = uuidutils.generate_uuid()
            placement.client.claim_resources(
                consumer, {rp: {'resources': {'VCPU': 1}}}, 'p', 'u')
            raise error
        with mock.patch.object(runner_mod.Runner, 'run', run):
            self.assertRaises(type(error), job.execute,
                              {'hosts': {'h1': {}}},
                              context.get_admin_context(),
                              self.placement.client, mock.Mock(),
                              self.output)
        self.assertEqual([], self.placement.client.get_providers())
        self.assertEqual([], os.listdir(self.output))

    def test_failed_run(self):
        self._run_that_ends_with(RuntimeError('the run broke'))

    def test_interrupted_run(self):
        self._run_that_ends_with(interrupt.Interrupted(signal.SIGTERM))

    def test_refused_before_anything(self):
        self.placement.add_host('old')
        with mock.patch.object(runner_mod.Runner, 'run') as run:
            self.assertRaises(exception.PlacementNotEmpty, job.execute,
                              {'hosts': {'h1': {}}},
                              context.get_admin_context(),
                              self.placement.client, mock.Mock(),
                              self.output)
        run.assert_not_called()
        self.assertEqual(['old'], [p['name'] for p in
                                   self.placement.client.get_providers()])
