"""openstacksdk as a library against the API, the ``none`` auth mode,
microversion negotiation and the plan extension.
"""

from openstack import exceptions as sdk_exc
import requests

from nova.objects import fields
from nova.tests.functional.api import base
from nova.tests.functional.api import fixtures as api_fixtures

STATUS = fields.MigrationStatus


class SdkTest(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.conn = self.api.sdk()
        self.flavor = self.conn.compute.create_flavor(
            name='small', ram=2048, vcpus=2, disk=10)
        self.image = self.make_image('plain')

    def _boot(self, name, host='src', workload=None):
        uuid = self.boot(name, self.flavor.id, self.image, host=host,
                         workload=workload)
        return self.conn.compute.get_server(uuid)

    def test_live_migrate_force_complete_and_records(self):
        server = self._boot('s', workload=base.BUSY)
        self.conn.compute.live_migrate_server(server, host='dst',
                                              block_migration='auto')
        record = self.wait_status(server.id, STATUS.RUNNING)
        with self.assertRaises(sdk_exc.ConflictException):
            self.conn.compute.live_migrate_server(server, host=None,
                                                  block_migration='auto')
        migrations = list(self.conn.compute.server_migrations(server))
        self.assertEqual([record.uuid], [m.uuid for m in migrations])
        self.assertEqual('src', migrations[0].source_compute)
        listed = list(self.conn.compute.migrations(
            instance_uuid=server.id))
        self.assertEqual([('live-migration', 'admin', 'admin')],
                         [(m.migration_type, m.user_id, m.project_id)
                          for m in listed])
        # Auto-converge or not, force-complete ends it; this flavor and
        # host allow post-copy only if asked: the monitor pauses instead.
        self.conn.compute.force_complete_server_migration(record.id, server)
        self.wait_status(server.id, STATUS.COMPLETED)
        self.assertEqual('dst', self.wait_idle(server.id).host)
        self.assertEqual([], list(self.conn.compute.server_migrations(
            server)))
        self.assert_consistent()

    def test_errors_keep_nova_fault_shape(self):
        server = self._boot('s')
        with self.assertRaises(sdk_exc.NotFoundException) as ctx:
            self.conn.compute.get_server(
                '00000000-0000-0000-0000-000000000000')
        self.assertIn('could not be found', str(ctx.exception))
        with self.assertRaises(sdk_exc.NotFoundException) as ctx:
            self.conn.compute.abort_server_migration(1, server,
                                                     ignore_missing=False)
        self.assertIn('Migration 1 not found', str(ctx.exception))
        raw = self.conn.compute.post(
            '/servers/%s/action' % server.id,
            json={'os-migrateLive': {'host': None,
                                     'block_migration': 'sometimes'}},
            microversion='2.30')
        self.assertEqual(400, raw.status_code)
        fault = raw.json()['badRequest']
        self.assertEqual(400, fault['code'])
        self.assertIn('os-migrateLive/block_migration', fault['message'])
        self.assertIn("'sometimes'", fault['message'])

    def test_plan_extension(self):
        server = self._boot('s')
        plan = self.conn.compute.get(
            '/servers/%s/os-live-migration-plan' % server.id).json()['plan']
        self.assertEqual('src', plan['source'])
        self.assertEqual(['dst'], plan['hosts'])
        self.assertIn('VIR_MIGRATE_LIVE', plan['migration_flags'])
        # The host's default SLA tier (pet) decides: post-copy where both
        # hosts can resume a broken one.
        self.assertTrue(plan['post_copy'])
        self.assertEqual('sla', plan['post_copy_origin'])
        self.assertEqual('pet', plan['sla_tier'])
        self.assertEqual(1000, plan['limits']['downtime_ms'])
        member = self.api.sdk(api_fixtures.MEMBER)
        refused = member.compute.get(
            '/servers/%s/os-live-migration-plan' % server.id)
        self.assertEqual(403, refused.status_code)


class NoAuthTest(base.ApiTestCase):

    AUTH_STRATEGY = 'none'

    def test_none_mode_cli_and_sdk(self):
        self.api.osc_ok('flavor', 'create', '--ram', '512', '--vcpus', '1',
                        'f1', cloud=api_fixtures.NONE)
        names = self.api.osc_ok('flavor', 'list', '-f', 'value', '-c',
                                'Name', cloud=api_fixtures.NONE)
        self.assertEqual('f1', names.strip())
        conn = self.api.sdk(api_fixtures.NONE)
        self.assertEqual(['f1'], [f.name for f in conn.compute.flavors()])
        # Without the facade there is no identity service.
        self.assertEqual(404, requests.get(self.api.url + '/identity',
                                           timeout=10).status_code)


class VersionsAndTokensTest(base.ApiTestCase):

    def test_tokens_are_checked(self):
        url = self.api.url + '/v2.1/servers'
        self.assertEqual(401, requests.get(url, timeout=10).status_code)
        bad = requests.get(url, headers={'X-Auth-Token': 'forged'},
                           timeout=10)
        self.assertEqual(401, bad.status_code)
        self.assertEqual(401, bad.json()['unauthorized']['code'])

    def test_microversion_negotiation(self):
        conn = self.api.sdk()
        root = requests.get(self.api.url + '/', timeout=10).json()
        self.assertEqual('2.80', root['versions'][0]['version'])
        for headers, served in (
                ({'OpenStack-API-Version': 'compute 2.53'}, '2.53'),
                ({'X-OpenStack-Nova-API-Version': '2.25'}, '2.25'),
                ({}, '2.1')):
            resp = conn.compute.get('/os-services', headers=headers,
                                    microversion=None)
            self.assertEqual(200, resp.status_code)
            self.assertEqual('compute %s' % served,
                             resp.headers['OpenStack-API-Version'])
        ids = [s['id'] for s in resp.json()['services']]
        self.assertTrue(all(isinstance(i, int) for i in ids))
        refused = conn.compute.get(
            '/os-services', headers={'OpenStack-API-Version': 'compute 2.81'},
            microversion=None)
        self.assertEqual(406, refused.status_code)
        self.assertIn('maximum is 2.80', refused.json()['computeFault'][
            'message'])
