"""The compute API of a multi-process deployment, as a WSGI factory."""

import io
import json
import os

import fixtures
import webob

from nova.api.openstack import wsgi_app
from nova import context
from nova import servicegroup
from nova import test
from nova.tests import fixtures as nova_fixtures

GOOD = {
    'DEFAULT': {'transport_url': 'rabbit://nova:secret@rabbit:5672/'},
    'database': {'connection': 'postgresql+psycopg2://nova:pw@db/nova'},
    'placement': {'endpoint_override': 'http://placement:8778'},
    'api': {'admin_password': 'admin-secret'},
}


class ConfigurationTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        # The test process chose oslo.service's backend already.
        self.useFixture(fixtures.MockPatch(
            'nova.cmd.common.init_backend'))

    def write(self, changes=None, name='nova.conf'):
        sections = {group: dict(values) for group, values in GOOD.items()}
        for (group, key), value in (changes or {}).items():
            if value is None:
                sections[group].pop(key, None)
            else:
                sections[group][key] = value
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            for group, values in sections.items():
                f.write('[%s]\n' % group)
                for key, value in values.items():
                    f.write('%s = %s\n' % (key, value))
        return path

    def test_config_files_from_the_environment(self):
        self.useFixture(fixtures.EnvironmentVariable(
            wsgi_app.CONFIG_ENV, '/etc/nova/nova.conf; /etc/nova/api.conf;'))
        self.assertEqual(['--config-file', '/etc/nova/nova.conf',
                          '--config-file', '/etc/nova/api.conf'],
                         wsgi_app.config_argv())
        self.assertEqual(['--config-file', 'x'],
                         wsgi_app.config_argv(['--config-file', 'x']))

    def test_good_configuration(self):
        wsgi_app.configure(['--config-file', self.write()])
        self.assertEqual('admin-secret',
                         self.conf_fixture.conf.api.admin_password)

    def _refused(self, changes):
        path = self.write(changes)
        err = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        exc = self.assertRaises(SystemExit, wsgi_app.init_application,
                                ['--config-file', path])
        self.assertEqual(wsgi_app.APP_LOAD_ERROR, exc.code)
        self.assertEqual(1, len(err.getvalue().splitlines()), err.getvalue())
        self.assertTrue(err.getvalue().startswith('nova-api: '))
        return err.getvalue()

    def test_sqlite_refused(self):
        err = self._refused({('database', 'connection'):
                             'sqlite:////var/lib/nova/nova.sqlite'})
        self.assertIn('[database] connection', err)
        self.assertIn('PostgreSQL', err)

    def test_transport_needed(self):
        self.assertIn('[DEFAULT] transport_url', self._refused(
            {('DEFAULT', 'transport_url'): ''}))

    def test_embedded_placement_refused(self):
        self.assertIn('[placement] endpoint_override', self._refused(
            {('placement', 'endpoint_override'): None}))

    def test_facade_needs_a_password(self):
        self.assertIn('[api] admin_password', self._refused(
            {('api', 'admin_password'): None}))

    def test_keystone_needs_no_password(self):
        # Real Keystone has the users.
        wsgi_app.configure(['--config-file', self.write(
            {('api', 'admin_password'): None,
             ('api', 'auth_strategy'): 'keystone'})])

    def test_bad_value_refused(self):
        self.assertIn('workers', self._refused({('api', 'workers'): '0'}))


class ApplicationTestCase(test.NoDBTestCase):
    """The application on the database, without a compute in sight."""

    def setUp(self):
        super().setUp()
        self.useFixture(nova_fixtures.Database())
        self.flags(admin_password='pw', group='api')
        self.flags(endpoint_override='http://placement.invalid:8778',
                   group='placement')
        # Building the API must construct no compute service or driver.
        for target in ('nova.compute.manager.ComputeManager.__init__',
                       'nova.virt.libvirt.driver.LibvirtDriver.__init__'):
            self.useFixture(fixtures.MockPatch(
                target, side_effect=AssertionError('%s in the API' %
                                                   target)))
        self.app = wsgi_app.build()
        ctxt = context.get_admin_context()
        for host, binary in (('h1', 'nova-compute'),
                             ('ctl', 'nova-conductor')):
            servicegroup.register(ctxt, host, binary).heartbeat()

    def call(self, method, path, body=None, token=None, version='2.53'):
        req = webob.Request.blank(path, method=method)
        req.headers['OpenStack-API-Version'] = 'compute %s' % version
        if token:
            req.headers['X-Auth-Token'] = token
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        return req.get_response(self.app)

    def token(self):
        resp = self.call('POST', '/identity/v3/auth/tokens', {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': 'admin', 'password': 'pw',
                'domain': {'name': 'Default'}}}},
            'scope': {'project': {'name': 'admin',
                                  'domain': {'name': 'Default'}}}}})
        self.assertEqual(201, resp.status_int, resp.body)
        return resp.headers['X-Subject-Token']

    def test_services_and_tokens_from_the_database(self):
        token = self.token()
        # Another worker: a second application on the same database.
        other = wsgi_app.build()
        req = webob.Request.blank('/v2.1/os-services')
        req.headers['X-Auth-Token'] = token
        req.headers['OpenStack-API-Version'] = 'compute 2.53'
        services = json.loads(req.get_response(other).body)['services']
        self.assertEqual({('nova-compute', 'h1', 'up', 'enabled'),
                          ('nova-conductor', 'ctl', 'up', 'enabled')},
                         {(s['binary'], s['host'], s['state'], s['status'])
                          for s in services})
        compute = [s for s in services if s['binary'] == 'nova-compute'][0]
        resp = self.call('PUT', '/v2.1/os-services/%s' % compute['id'],
                         {'status': 'disabled',
                          'disabled_reason': 'maintenance'}, token)
        self.assertEqual(200, resp.status_int, resp.body)
        services = json.loads(self.call('GET', '/v2.1/os-services',
                                        token=token).body)['services']
        self.assertIn(('h1', 'disabled', 'maintenance'), [
            (s['host'], s['status'], s['disabled_reason'])
            for s in services])

    def test_flavors_shared_between_workers(self):
        token = self.token()
        resp = self.call('POST', '/v2.1/flavors', {'flavor': {
            'name': 'small', 'ram': 512, 'vcpus': 1, 'disk': 1,
            'id': 'small'}}, token)
        self.assertEqual(200, resp.status_int, resp.body)
        other = wsgi_app.build()
        req = webob.Request.blank('/v2.1/flavors/small')
        req.headers['X-Auth-Token'] = token
        self.assertEqual(512, json.loads(req.get_response(
            other).body)['flavor']['ram'])
