"""The Placement client's request shapes and its retry rules.

Placement itself is exercised by the functional tests; here requests-mock
answers so that races and refusals can be scripted exactly.
"""

import ddt
from keystoneauth1 import exceptions as ks_exc
import requests
from requests_mock.contrib import fixture as rm_fixture

from nova import exception
from nova.scheduler.client import placement
from nova.scheduler.client import report
from nova import test

URL = 'http://placement.test/placement'
RP = '11111111-2222-3333-4444-555555555555'
INST = '4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f'
MIG = '5f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f'

CONFLICT = {'errors': [{'status': 409, 'code': 'placement.concurrent_update',
                        'detail': 'generation conflict'}]}
FULL = {'errors': [{'status': 409, 'code': 'placement.undefined_code',
                    'detail': 'Unable to allocate inventory'}]}


class ReportClientTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.mock = self.useFixture(rm_fixture.Fixture())
        self.client = report.SchedulerReportClient(
            placement.noauth_adapter(URL), conflict_retries=2)

    def _provider(self, generations):
        self.mock.get('%s/resource_providers/%s' % (URL, RP),
                      [{'json': {'uuid': RP, 'generation': g}}
                       for g in generations])

    def test_microversion_and_token_sent(self):
        self.mock.get(URL + '/resource_providers',
                      json={'resource_providers': []})
        self.client.get_providers()
        headers = self.mock.last_request.headers
        self.assertEqual('placement 1.38', headers['OpenStack-API-Version'])
        self.assertEqual('admin', headers['X-Auth-Token'])

    def test_set_traits_retries_generation_conflict(self):
        self._provider([1, 2])
        put = self.mock.put('%s/resource_providers/%s/traits' % (URL, RP),
                            [{'status_code': 409, 'json': CONFLICT},
                             {'json': {'traits': ['A']}}])
        self.client.set_traits(RP, {'A'})
        self.assertEqual(2, put.call_count)
        self.assertEqual(2, put.last_request.json()[
            'resource_provider_generation'])

    def test_set_inventory_gives_up_after_retries(self):
        self._provider([1, 2, 3])
        put = self.mock.put(
            '%s/resource_providers/%s/inventories' % (URL, RP),
            status_code=409, json=CONFLICT)
        exc = self.assertRaises(exception.PlacementConflict,
                                self.client.set_inventory, RP, {})
        self.assertEqual(3, put.call_count)
        self.assertIn('after 3 attempts', str(exc))

    def test_other_errors_are_not_retried(self):
        put = self.mock.put(
            '%s/resource_providers/%s/traits' % (URL, RP),
            status_code=400, json={'errors': [{'detail': 'bad trait'}]})
        self._provider([1])
        exc = self.assertRaises(exception.PlacementAPIError,
                                self.client.set_traits, RP, {'A'})
        self.assertEqual(1, put.call_count)
        self.assertIn('HTTP 400: bad trait', str(exc))

    def test_claim_body(self):
        self.mock.get('%s/allocations/%s' % (URL, INST),
                      json={'allocations': {}})
        put = self.mock.put('%s/allocations/%s' % (URL, INST),
                            status_code=204)
        self.client.claim_resources(
            INST, {RP: {'resources': {'VCPU': 1}, 'generation': 4}}, 'p',
            'u')
        self.assertEqual({'allocations': {RP: {'resources': {'VCPU': 1}}},
                          'project_id': 'p', 'user_id': 'u',
                          'consumer_generation': None,
                          'consumer_type': 'INSTANCE'},
                         put.last_request.json())

    def test_claim_refused_when_full_is_not_retried(self):
        self.mock.get('%s/allocations/%s' % (URL, INST),
                      json={'allocations': {}})
        put = self.mock.put('%s/allocations/%s' % (URL, INST),
                            status_code=409, json=FULL)
        exc = self.assertRaises(
            exception.AllocationClaimFailed, self.client.claim_resources,
            INST, {RP: {'resources': {'VCPU': 1}}}, 'p', 'u')
        self.assertEqual(1, put.call_count)
        self.assertIn('Unable to allocate inventory', str(exc))
        self.assertIn('VCPU:1', str(exc))

    def test_claim_refused_when_consumer_holds_allocations(self):
        self.mock.get('%s/allocations/%s' % (URL, INST), json={
            'allocations': {RP: {'resources': {'VCPU': 1}}},
            'consumer_generation': 1})
        put = self.mock.put('%s/allocations/%s' % (URL, INST),
                            status_code=204)
        self.assertRaises(exception.AllocationClaimFailed,
                          self.client.claim_resources, INST,
                          {RP: {'resources': {'VCPU': 1}}}, 'p', 'u')
        self.assertFalse(put.called)

    def test_move_allocations_body_and_retry(self):
        source = {'allocations': {RP: {'resources': {'VCPU': 2},
                                       'generation': 7}},
                  'consumer_generation': 3, 'project_id': 'p',
                  'user_id': 'u', 'consumer_type': 'INSTANCE'}
        self.mock.get('%s/allocations/%s' % (URL, INST), json=source)
        self.mock.get('%s/allocations/%s' % (URL, MIG),
                      json={'allocations': {}})
        post = self.mock.post(URL + '/allocations',
                              [{'status_code': 409, 'json': CONFLICT},
                               {'status_code': 204}])
        self.client.move_allocations(INST, MIG)
        self.assertEqual(2, post.call_count)
        body = post.last_request.json()
        self.assertEqual({}, body[INST]['allocations'])
        self.assertEqual(3, body[INST]['consumer_generation'])
        self.assertEqual('INSTANCE', body[INST]['consumer_type'])
        self.assertEqual({RP: {'resources': {'VCPU': 2}}},
                         body[MIG]['allocations'])
        self.assertIsNone(body[MIG]['consumer_generation'])
        self.assertEqual('MIGRATION', body[MIG]['consumer_type'])

    def test_move_from_empty_consumer_refused(self):
        self.mock.get('%s/allocations/%s' % (URL, INST),
                      json={'allocations': {}})
        exc = self.assertRaises(exception.AllocationMoveFailed,
                                self.client.move_allocations, INST, MIG)
        self.assertIn('holds no allocations', str(exc))

    def test_delete_missing_consumer_is_fine(self):
        self.mock.delete('%s/allocations/%s' % (URL, INST), status_code=404,
                         json={'errors': [{'detail': 'none'}]})
        self.client.delete_allocation_for_consumer(INST)
        self.assertEqual('DELETE', self.mock.last_request.method)


@ddt.ddt
class UnavailableTestCase(test.NoDBTestCase):
    """No connection, no answer in time, or a server error: one error."""

    def setUp(self):
        super().setUp()
        self.mock = self.useFixture(rm_fixture.Fixture())
        self.client = report.SchedulerReportClient(
            placement.noauth_adapter(URL, timeout=7))

    def assertUnavailable(self, call, url, reason):
        exc = self.assertRaises(exception.PlacementUnavailable, call)
        self.assertEqual(
            'Placement at %s is unavailable (%s): %s. Check that the '
            'service runs and answers, and the [placement] options.' % (
                URL, url, reason), str(exc))
        self.assertEqual(503, exc.code)
        return exc

    def test_timeout_given_to_the_session(self):
        self.assertEqual(7, placement.noauth_adapter(URL, timeout=7)
                         .session.timeout)

    def test_connection_refused(self):
        self.mock.get(URL + '/resource_providers', exc=(
            requests.exceptions.ConnectionError(
                "HTTPConnectionPool(host='p', port=1): Max retries exceeded "
                "(Caused by NewConnectionError('<conn>: Failed to establish "
                "a new connection: [Errno 111] Connection refused'))")))
        self.assertUnavailable(self.client.get_providers,
                               'GET /resource_providers',
                               'cannot connect: [Errno 111] Connection '
                               'refused')

    def test_read_timeout(self):
        self.mock.get(URL + '/resource_providers',
                      exc=requests.exceptions.ReadTimeout)
        self.assertUnavailable(self.client.get_providers,
                               'GET /resource_providers',
                               'no answer within 7 s ([placement] timeout)')

    @ddt.data(500, 502, 503)
    def test_server_error(self, status):
        self.mock.get(URL + '/allocation_candidates', status_code=status,
                      json={'errors': [{'status': status,
                                        'detail': 'database is locked'}]})
        self.assertUnavailable(
            lambda: self.client.get_allocation_candidates({'VCPU': 1}),
            'GET /allocation_candidates',
            'HTTP %d: database is locked' % status)

    def test_server_error_while_claiming_is_not_a_refused_claim(self):
        # A claim Placement refuses is AllocationClaimFailed (the scheduler
        # tries the next host); a Placement that fails is not a refusal.
        self.mock.get('%s/allocations/%s' % (URL, INST), status_code=500,
                      text='<html>Internal Server Error</html>')
        exc = self.assertRaises(
            exception.PlacementUnavailable, self.client.claim_resources,
            INST, {RP: {'resources': {'VCPU': 1}}}, 'p', 'u')
        self.assertIn('HTTP 500: <html>Internal Server Error</html>',
                      str(exc))

    def test_ensure_provider_goes_through_the_same_path(self):
        self.mock.get('%s/resource_providers/%s' % (URL, RP),
                      exc=requests.exceptions.ConnectTimeout)
        self.assertUnavailable(
            lambda: self.client.ensure_resource_provider(RP, 'h'),
            'GET /resource_providers/%s' % RP,
            'no answer within 7 s ([placement] timeout)')

    def test_keystone_failure(self):
        self.mock.get(URL + '/resource_providers',
                      exc=ks_exc.EndpointNotFound('no placement endpoint'))
        self.assertUnavailable(self.client.get_providers,
                               'GET /resource_providers',
                               'EndpointNotFound: no placement endpoint')

    def test_client_errors_stay_api_errors(self):
        self.mock.get(URL + '/resource_providers', status_code=400,
                      json={'errors': [{'detail': 'bad query'}]})
        exc = self.assertRaises(exception.PlacementAPIError,
                                self.client.get_providers)
        self.assertIn('HTTP 400: bad query', str(exc))


class RemovalTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.mock = self.useFixture(rm_fixture.Fixture())
        self.client = report.SchedulerReportClient(
            placement.noauth_adapter(URL))

    def test_deletes_accept_gone(self):
        for url in ('/resource_providers/%s' % RP,
                    '/resource_classes/CUSTOM_X', '/traits/CUSTOM_Y'):
            self.mock.delete(URL + url, status_code=404)
        self.client.delete_resource_provider(RP)
        self.client.delete_resource_class('CUSTOM_X')
        self.client.delete_trait('CUSTOM_Y')
        self.assertEqual(3, self.mock.call_count)

    def test_custom_names(self):
        self.mock.get(URL + '/resource_classes', json={'resource_classes': [
            {'name': 'VCPU'}, {'name': 'CUSTOM_PMEM_NAMESPACE_SMALL'}]})
        self.mock.get(URL + '/traits?name=startswith:CUSTOM_',
                      json={'traits': ['CUSTOM_A']})
        self.assertEqual({'CUSTOM_PMEM_NAMESPACE_SMALL'},
                         self.client.get_custom_resource_classes())
        self.assertEqual({'CUSTOM_A'}, self.client.get_custom_traits())
