"""The migration purpose and the host drain through the REST API.

The unmodified ``openstack`` client has no option for either extension
(``OS-EXT-LM:purpose`` in os-migrateLive, ``/os-hypervisors/{id}/
os-drain``), so those requests go raw through openstacksdk's session
(keystoneauth: the same token, endpoint and microversion headers as the
client); everything the client can do -- boot, ``server migrate
--live-migration``, ``server migration list`` -- is done with it.
"""

import time

from nova.objects import fields
from nova.tests.functional.api import base
from nova.tests.functional.api import fixtures as api_fixtures
from nova.tests.functional import test_host_drain

STATUS = fields.MigrationStatus
PURPOSE_FIELD = 'OS-EXT-LM:purpose'


class PurposeAndDrainTest(base.ApiTestCase):

    HOSTS = {'src': {'pmem': False,
                     'default_opts': {'max_concurrent_live_migrations': 2}},
             'dst': {'pmem': False}, 'other': {'pmem': False}}
    SPEED = 20.0

    def setUp(self):
        super().setUp()
        self.conn = self.api.sdk()
        self.flavors = {size: self.make_flavor('m%d' % size, ram=size)
                        for size in (512, 1024, 2048)}
        self.image = self.make_image('plain')

    def _migrate(self, server, body_extra, version='2.30'):
        body = {'host': 'dst', 'block_migration': 'auto'}
        body.update(body_extra)
        return self.conn.compute.post('/servers/%s/action' % server,
                                      json={'os-migrateLive': body},
                                      microversion=version)

    def _os_migrations(self, **params):
        query = '&'.join('%s=%s' % kv for kv in sorted(params.items()))
        return self.conn.compute.get(
            '/os-migrations' + ('?' + query if query else ''),
            microversion='2.80').json()['migrations']

    def test_purpose_field(self):
        first = self.boot('s1', self.flavors[512], self.image, host='src')
        second = self.boot('s2', self.flavors[512], self.image, host='src')
        resp = self._migrate(first, {PURPOSE_FIELD: 'rebalance'})
        self.assertEqual(202, resp.status_code, resp.text)
        migration = self.wait_status(first, STATUS.COMPLETED)
        self.assertEqual('rebalance', migration.purpose)
        # The unmodified client sends no purpose: the default.
        self.osc_ok('--os-compute-api-version', '2.30', 'server', 'migrate',
                    '--live-migration', '--host', 'dst', 's2')
        default = self.wait_status(second, STATUS.COMPLETED)
        self.assertEqual('maintenance', default.purpose)
        shown = {m['uuid']: m[PURPOSE_FIELD]
                 for m in self._os_migrations(source_compute='src')}
        self.assertEqual({migration.uuid: 'rebalance',
                          default.uuid: 'maintenance'}, shown)
        # Also below 2.23 (the extension field is there at every
        # version) and in the client's listing, which still works.
        old = self.conn.compute.get('/os-migrations',
                                    microversion='2.1').json()
        self.assertEqual({'rebalance', 'maintenance'},
                         {m[PURPOSE_FIELD] for m in old['migrations']})
        listed = self.osc_ok('server', 'migration', 'list', '--host',
                             'src', '-f', 'json')
        self.assertEqual({migration.uuid, default.uuid},
                         {m['UUID'] for m in listed})
        self.wait_idle(first)
        self.wait_idle(second)
        self.assert_consistent()

    def test_bad_purpose_is_400_naming_it(self):
        server = self.boot('s1', self.flavors[512], self.image, host='src')
        for value, shown in (('fast', "'fast'"), (3, '=3'),
                             ('', "=''")):
            resp = self._migrate(server, {PURPOSE_FIELD: value},
                                 version='2.25' if value == 3 else '2.80')
            self.assertEqual(400, resp.status_code)
            message = resp.json()['badRequest']['message']
            self.assertIn(PURPOSE_FIELD, message)
            self.assertIn(shown, message)
            self.assertIn('evacuate-host, maintenance, rebalance', message)
        self.assertEqual([], self.live_migrations(server))
        self.assertIsNone(self.instance(server).task_state)

    def _drain_url(self, hypervisor):
        return '/os-hypervisors/%s/os-drain' % hypervisor

    def _follow(self, hypervisor, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            drain = self.conn.compute.get(
                self._drain_url(hypervisor)).json()['drain']
            if drain['state'] != 'running':
                return drain
            if time.monotonic() > deadline:
                self.fail('the drain did not end: %s' % drain)
            time.sleep(0.1)

    def test_drain(self):
        servers = {self.boot('s%d' % size, self.flavors[size], self.image,
                             host='src'): size
                   for size in (512, 2048, 1024)}
        gate = test_host_drain.hold_drains_open(self)
        (node,) = [n for n in self.osc_ok('--os-compute-api-version', '2.53',
                                          'hypervisor', 'list', '-f', 'json')
                   if n['Hypervisor Hostname'] == 'src']
        resp = self.conn.compute.post(self._drain_url(node['ID']),
                                      microversion='2.53')
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertTrue(resp.headers['Location'].endswith(
            self._drain_url(node['ID'])))
        drain = resp.json()['drain']
        self.assertEqual(('src', 'evacuate-host', 'running', 2,
                          'largest-memory-first'),
                         (drain['host'], drain['purpose'], drain['state'],
                          drain['max_concurrent_live_migrations'],
                          drain['order']))
        self.assertEqual([2048, 1024, 512],
                         [s['memory_mb'] for s in drain['servers']])
        started = [s for s in drain['servers'] if s['migration_uuid']]
        self.assertEqual(['moving', 'moving'],
                         [s['result'] for s in started])
        # A second drain of the host while this one runs: 409.
        again = self.conn.compute.post(self._drain_url('src'))
        self.assertEqual(409, again.status_code)
        self.assertIn('already being drained',
                      again.json()['conflictingRequest']['message'])

        gate.set()
        done = self._follow('src')
        self.assertEqual('drained', done['state'])
        self.assertEqual(['moved'] * 3,
                         [s['result'] for s in done['servers']])
        self.assertLessEqual({s['dest_compute'] for s in done['servers']},
                             {'dst', 'other'})
        for uuid in servers:
            self.assertNotEqual('src', self.wait_idle(uuid).host)
        # Every migration is listed, by the unmodified client too, with
        # the drain's purpose in the API's document.
        listed = self.osc_ok('server', 'migration', 'list', '--host', 'src',
                             '-f', 'json')
        self.assertEqual({s['migration_uuid'] for s in done['servers']},
                         {m['UUID'] for m in listed})
        self.assertEqual({'evacuate-host'}, {
            m[PURPOSE_FIELD] for m in self._os_migrations(
                source_compute='src')})
        self.assertEqual([], self.osc_ok('server', 'list', '--all-projects',
                                         '--host', 'src', '-f', 'json'))
        self.assert_consistent()

    def test_drain_refusals(self):
        self.boot('s1', self.flavors[512], self.image, host='src')
        resp = self.conn.compute.post(self._drain_url('nowhere'))
        self.assertEqual(404, resp.status_code)
        resp = self.conn.compute.get(self._drain_url('src'))
        self.assertEqual(404, resp.status_code)
        self.assertIn('has not been drained',
                      resp.json()['itemNotFound']['message'])
        resp = self.conn.compute.post(self._drain_url('src'),
                                      json={'force': True})
        self.assertEqual(400, resp.status_code)
        member = self.api.sdk(cloud=api_fixtures.MEMBER)
        self.assertEqual(403, member.compute.post(
            self._drain_url('src')).status_code)
        self.osc_ok('--os-compute-api-version', '2.11', 'compute', 'service',
                    'set', '--down', 'src', 'nova-compute')
        resp = self.conn.compute.post(self._drain_url('src'))
        self.assertEqual(409, resp.status_code)
        self.assertIn('Evacuate them instead',
                      resp.json()['conflictingRequest']['message'])
        self.assertEqual([], self._os_migrations())
        self.osc_ok('--os-compute-api-version', '2.11', 'compute', 'service',
                    'set', '--up', 'src', 'nova-compute')
        self.assert_consistent()
