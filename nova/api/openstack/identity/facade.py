"""Keystone v3 routes the OpenStack clients use for password auth.

``GET /identity`` (version discovery), ``GET /identity/v3``, and
``POST|GET|DELETE /identity/v3/auth/tokens``.  A token carries the
user, its project, its roles and a catalog naming this service's
compute (``/v2.1``), image (``/image``) and identity (``/identity``)
endpoints, built from the URL the client used.
"""

from nova.api.openstack.identity import tokens as tokens_mod
from nova.api.openstack import wsgi

PREFIX = '/identity'
REGION = 'RegionOne'
VERSION_ID = 'v3.14'
UPDATED = '2020-04-07T00:00:00Z'

PASSWORD_SCHEMA = {
    'type': 'object',
    'required': ['auth'],
    'properties': {
        'auth': {
            'type': 'object',
            'required': ['identity'],
            'properties': {
                'identity': {
                    'type': 'object',
                    'required': ['methods', 'password'],
                    'properties': {
                        'methods': {'type': 'array',
                                    'contains': {'const': 'password'}},
                        'password': {
                            'type': 'object',
                            'required': ['user'],
                            'properties': {'user': {
                                'type': 'object',
                                'required': ['password'],
                                'properties': {
                                    'name': {'type': 'string',
                                             'maxLength': 255},
                                    'id': {'type': 'string',
                                           'maxLength': 255},
                                    'password': {'type': 'string',
                                                 'maxLength': 4096},
                                }}},
                        },
                    },
                },
                'scope': {'type': ['object', 'string']},
            },
        },
    },
}


def _keystone_error(code, title, message):
    return wsgi.json_response(
        {'error': {'code': code, 'title': title, 'message': message}}, code)


def version_doc(base):
    return {'id': VERSION_ID, 'status': 'stable', 'updated': UPDATED,
            'media-types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.identity-'
                                     'v3+json'}],
            'links': [{'rel': 'self', 'href': base + PREFIX + '/v3/'}]}


def catalog(base):
    services = (('compute', 'nova', base + '/v2.1'),
                ('image', 'glance', base + '/image'),
                ('identity', 'keystone', base + PREFIX))
    out = []
    for kind, name, url in services:
        out.append({'type': kind, 'name': name, 'id': kind,
                    'endpoints': [{'id': '%s-%s' % (kind, interface),
                                   'interface': interface,
                                   'region': REGION, 'region_id': REGION,
                                   'url': url}
                                  for interface in ('public', 'internal',
                                                    'admin')]})
    return out


def token_doc(token, base):
    user = token.user
    project = {'id': user.project, 'name': user.project, 'domain': dict(
        tokens_mod.DOMAIN)}
    return {'token': {
        'methods': ['password'],
        'issued_at': tokens_mod.iso(token.issued_at),
        'expires_at': tokens_mod.iso(token.expires_at),
        'user': {'id': user.id, 'name': user.name,
                 'domain': dict(tokens_mod.DOMAIN),
                 'password_expires_at': None},
        'project': project,
        'roles': [{'id': role, 'name': role} for role in user.roles],
        'is_domain': False,
        'catalog': catalog(base),
    }}


class Facade(object):
    """The WSGI side of the facade (mounted under /identity)."""

    def __init__(self, store):
        self.store = store
        self.router = wsgi.Router()
        self.router.add('GET', '/', self.versions)
        self.router.add('GET', '/v3', self.version)
        self.router.add('POST', '/v3/auth/tokens', self.issue)
        self.router.add('GET', '/v3/auth/tokens', self.validate)
        self.router.add('DELETE', '/v3/auth/tokens', self.revoke)

    def __call__(self, req, path):
        return wsgi.dispatch(self.router, req, path or '/')

    def versions(self, req):
        return wsgi.json_response(
            {'versions': {'values': [version_doc(req.host_url)]}}, 300)

    def version(self, req):
        return wsgi.json_response({'version': version_doc(req.host_url)})

    def issue(self, req):
        body = req.body_for(PASSWORD_SCHEMA)
        user_spec = body['auth']['identity']['password']['user']
        name = user_spec.get('name') or user_spec.get('id')
        user = self.store.authenticate(name, user_spec['password'])
        if user is None:
            return _keystone_error(401, 'Unauthorized',
                                   'The request you have made requires '
                                   'authentication: unknown user or wrong '
                                   'password.')
        scope = body['auth'].get('scope')
        project = (scope or {}).get('project') if isinstance(
            scope, dict) else None
        wanted = (project or {}).get('name') or (project or {}).get('id')
        if wanted and wanted != user.project:
            return _keystone_error(
                401, 'Unauthorized',
                'User %s has no role on project %s (its project is %s).'
                % (user.name, wanted, user.project))
        token = self.store.issue(user)
        resp = wsgi.json_response(token_doc(token, req.host_url), 201)
        resp.headers['X-Subject-Token'] = token.id
        return resp

    def _subject(self, req):
        if self.store.check(req.headers.get('X-Auth-Token')) is None:
            raise wsgi.HTTPError(401, 'A valid X-Auth-Token is required.')
        token = self.store.check(req.headers.get('X-Subject-Token'))
        if token is None:
            raise wsgi.not_found('The token in X-Subject-Token is unknown '
                                 'or expired.')
        return token

    def validate(self, req):
        token = self._subject(req)
        resp = wsgi.json_response(token_doc(token, req.host_url))
        resp.headers['X-Subject-Token'] = token.id
        return resp

    def revoke(self, req):
        token = self._subject(req)
        self.store.revoke(token.id)
        return wsgi.empty(204)
