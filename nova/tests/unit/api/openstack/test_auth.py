"""Authentication, the identity facade, keystonemiddleware, policy."""

import json

import sqlalchemy as sa
import webob

from nova.api.openstack import app as api_app
from nova.api.openstack import auth
from nova.api.openstack.compute import flavor_store
from nova.api.openstack.identity import facade
from nova.api.openstack.identity import tokens
from nova.api.openstack.image import store as image_store
from nova.api.openstack import policy
from nova.api.openstack import wsgi
from nova import context
from nova import test
from nova.tests import fixtures as nova_fixtures

ADMIN = tokens.User('admin', 'admin', ('admin', 'member'))
MEMBER = tokens.User('member', 'demo', ('member',))


class _Clock(object):
    now = 1000.0

    def __call__(self):
        return self.now


class TokenStoreTestCase(test.NoDBTestCase):

    store_class = tokens.TokenStore

    def setUp(self):
        super().setUp()
        self.clock = _Clock()
        self.store = self.store_class({'admin': (ADMIN, 'pw')}, 60,
                                      clock=self.clock)

    def test_password_checked(self):
        self.assertIs(ADMIN, self.store.authenticate('admin', 'pw'))
        self.assertIsNone(self.store.authenticate('admin', 'wrong'))
        self.assertIsNone(self.store.authenticate('nobody', 'pw'))
        self.assertIsNone(self.store.authenticate('admin', None))

    def test_tokens_expire_and_revoke(self):
        token = self.store.issue(ADMIN)
        self.assertEqual(token, self.store.check(token.id))
        self.clock.now += 61
        self.assertIsNone(self.store.check(token.id))
        token = self.store.issue(ADMIN)
        self.assertTrue(self.store.revoke(token.id))
        self.assertIsNone(self.store.check(token.id))
        self.assertIsNone(self.store.check(None))

    def test_users_from_conf(self):
        self.flags(admin_password='a', member_password=None, group='api')
        self.assertEqual(['admin'], sorted(tokens.users_from_conf(
            self.conf_fixture.conf.api)))


class DBTokenStoreTestCase(TokenStoreTestCase):
    """The same rules with the tokens in the database, plus what that is
    for: another API worker (another store) sees them.
    """

    store_class = tokens.DBTokenStore

    def setUp(self):
        self.db = self.useFixture(nova_fixtures.Database())
        super().setUp()
        self.other = tokens.DBTokenStore(
            {'admin': (ADMIN, 'pw'), 'member': (MEMBER, 'pw2')}, 60,
            clock=self.clock)

    def test_another_worker_accepts_and_revokes(self):
        token = self.store.issue(ADMIN)
        self.assertEqual(token, self.other.check(token.id))
        self.assertTrue(self.other.revoke(token.id))
        self.assertIsNone(self.store.check(token.id))
        self.assertFalse(self.store.revoke(token.id))
        self.assertIsNone(self.store.check(42))

    def test_database_holds_no_usable_token(self):
        token = self.store.issue(ADMIN)
        with self.db.engine.connect() as conn:
            rows = conn.execute(sa.text(
                'SELECT token_hash, user_name FROM api_tokens')).all()
        self.assertEqual(['admin'], [r[1] for r in rows])
        self.assertNotIn(token.id, rows[0][0])
        self.assertEqual(64, len(rows[0][0]))

    def test_user_gone_from_configuration(self):
        token = self.other.issue(MEMBER)
        self.assertIsNone(self.store.check(token.id))
        self.assertEqual(MEMBER, self.other.check(token.id).user)


class FacadeTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.store = tokens.TokenStore({'admin': (ADMIN, 'pw'),
                                        'member': (MEMBER, 'mpw')}, 3600)
        self.facade = facade.Facade(self.store)

    def _post(self, user, password, project=None):
        body = {'auth': {'identity': {'methods': ['password'], 'password': {
            'user': {'name': user, 'password': password,
                     'domain': {'name': 'Default'}}}}}}
        if project:
            body['auth']['scope'] = {'project': {'name': project}}
        req = wsgi.Request.blank('/identity/v3/auth/tokens', method='POST',
                                 base_url='http://h:5')
        req.body = json.dumps(body).encode()
        return self.facade(req, '/v3/auth/tokens')

    def test_issue_with_catalog(self):
        resp = self._post('member', 'mpw', 'demo')
        self.assertEqual(201, resp.status_int)
        token = json.loads(resp.body)['token']
        self.assertEqual(['member'], [r['name'] for r in token['roles']])
        self.assertEqual('demo', token['project']['id'])
        urls = {s['type']: s['endpoints'][0]['url']
                for s in token['catalog']}
        self.assertEqual({'compute': 'http://h:5/v2.1',
                          'image': 'http://h:5/image',
                          'identity': 'http://h:5/identity'}, urls)
        self.assertEqual(MEMBER, self.store.check(
            resp.headers['X-Subject-Token']).user)

    def test_refusals(self):
        for user, password, project in (('admin', 'nope', None),
                                        ('ghost', 'pw', None),
                                        ('member', 'mpw', 'admin')):
            resp = self._post(user, password, project)
            self.assertEqual(401, resp.status_int)
            self.assertEqual(401, json.loads(resp.body)['error']['code'])
        self.assertEqual([], list(self.store._tokens))

    def test_discovery(self):
        req = wsgi.Request.blank('/identity', base_url='http://h:5')
        resp = self.facade(req, '')
        self.assertEqual(300, resp.status_int)
        self.assertEqual('http://h:5/identity/v3/', json.loads(resp.body)[
            'versions']['values'][0]['links'][0]['href'])


class AuthenticatorTestCase(test.NoDBTestCase):

    def test_none_is_admin(self):
        ctxt = auth.Authenticator(auth.NONE).context({})
        self.assertTrue(ctxt.is_admin)
        self.assertEqual('admin', ctxt.project_id)

    def test_facade_token(self):
        store = tokens.TokenStore({}, 60)
        token = store.issue(MEMBER)
        authenticator = auth.Authenticator(auth.FACADE, store)
        ctxt = authenticator.context({'HTTP_X_AUTH_TOKEN': token.id})
        self.assertEqual(('member', 'demo', False),
                         (ctxt.user_id, ctxt.project_id, ctxt.is_admin))
        for environ in ({}, {'HTTP_X_AUTH_TOKEN': 'forged'}):
            exc = self.assertRaises(wsgi.HTTPError, authenticator.context,
                                    environ)
            self.assertEqual(401, exc.code)

    def test_keystone_headers(self):
        authenticator = auth.Authenticator(auth.KEYSTONE)
        ctxt = authenticator.context({
            'HTTP_X_IDENTITY_STATUS': 'Confirmed', 'HTTP_X_USER_ID': 'u',
            'HTTP_X_PROJECT_ID': 'p', 'HTTP_X_ROLES': 'reader, admin'})
        self.assertEqual(('u', 'p', True, ['reader', 'admin']),
                         (ctxt.user_id, ctxt.project_id, ctxt.is_admin,
                          ctxt.roles))
        exc = self.assertRaises(wsgi.HTTPError, authenticator.context,
                                {'HTTP_X_IDENTITY_STATUS': 'Invalid'})
        self.assertEqual(401, exc.code)

    def test_bad_strategy(self):
        self.assertRaises(ValueError, auth.Authenticator, 'ldap')
        self.assertRaises(ValueError, auth.Authenticator, auth.FACADE)


class _Backend(object):
    def __init__(self):
        self.flavors = flavor_store.FlavorStore()
        self.images = image_store.ImageStore()
        self.enforcer = None


class KeystoneMiddlewareTestCase(test.NoDBTestCase):
    """[api] auth_strategy = keystone puts auth_token in front."""

    def test_configuration_path(self):
        from keystonemiddleware import auth_token

        self.flags(auth_strategy='keystone', group='api')
        self.flags(www_authenticate_uri='http://keystone.invalid/identity',
                   group='keystone_authtoken')
        app = api_app.build(_Backend())
        self.assertIsInstance(app.protected, auth_token.AuthProtocol)
        self.assertIsNone(app.identity)
        # No token: refused by the middleware before anything else, with
        # the configured Keystone named for the client.
        resp = webob.Request.blank('/v2.1/flavors').get_response(app)
        self.assertEqual(401, resp.status_int)
        self.assertIn('keystone.invalid', resp.headers['WWW-Authenticate'])
        # Discovery needs no token; the facade is off.
        self.assertEqual(200, webob.Request.blank('/v2.1').get_response(
            app).status_int)
        self.assertEqual(404, webob.Request.blank(
            '/identity/v3').get_response(app).status_int)


class PolicyTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.enforcer = policy.Enforcer(self.conf_fixture.conf)
        self.admin = context.RequestContext(
            user_id='a', project_id='admin', roles=['admin'], is_admin=True)
        self.member = context.RequestContext(
            user_id='m', project_id='demo', roles=['member'])
        self.reader = context.RequestContext(
            user_id='r', project_id='demo', roles=['reader'])

    def test_operator_rules_need_admin(self):
        for rule, (check, _doc) in policy.RULES.items():
            self.assertTrue(self.enforcer.allowed(rule, self.admin), rule)
            self.assertEqual(check == policy.MEMBER_API,
                             self.enforcer.allowed(rule, self.member), rule)
            self.assertFalse(self.enforcer.allowed(rule, self.reader), rule)
        exc = self.assertRaises(wsgi.HTTPError, self.enforcer.authorize,
                                'compute:servers:migrate_live', self.member)
        self.assertEqual(403, exc.code)
        self.assertIn('needs the admin role', exc.message)

    def test_unknown_rule_is_a_bug(self):
        self.assertRaises(ValueError, self.enforcer.authorize,
                          'compute:servers:reboot', self.admin)
