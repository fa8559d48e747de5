"""The WSGI application: discovery, identity, compute and image routes.

Paths:

* ``/`` and ``/v2.1`` -- compute version discovery (no token needed);
* ``/v2.1/...`` -- the compute API, at the request's microversion;
* ``/image`` -- image version discovery; ``/image/v2/...`` the image API;
* ``/identity/...`` -- the Keystone v3 facade (``[api] auth_strategy =
  facade`` only).

Every compute and image request is authenticated (``nova.api.openstack
.auth``), then routed; the handler checks its policy first.
"""

from oslo_log import log as logging

import nova.conf
from nova.api.openstack import auth
from nova.api.openstack.compute import drain
from nova.api.openstack.compute import flavors
from nova.api.openstack.compute import hypervisors
from nova.api.openstack.compute import migrations
from nova.api.openstack.compute import plan
from nova.api.openstack.compute import server_actions
from nova.api.openstack.compute import servers
from nova.api.openstack.compute import services
from nova.api.openstack.identity import facade
from nova.api.openstack.identity import tokens
from nova.api.openstack.image import handlers as image_handlers
from nova.api.openstack import microversion
from nova.api.openstack import policy
from nova.api.openstack import wsgi

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
COMPUTE = '/v2.1'
IMAGE = '/image'
IDENTITY = facade.PREFIX
UPDATED = '2013-07-23T11:33:21Z'


def compute_version(base):
    return {'id': 'v2.1', 'status': 'CURRENT',
            'version': str(microversion.MAX),
            'min_version': str(microversion.MIN), 'updated': UPDATED,
            'links': [{'rel': 'self', 'href': base + COMPUTE + '/'}],
            'media-types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.compute+'
                                     'json;version=2.1'}]}


def compute_router(backend):
    router = wsgi.Router()
    for api in (flavors.FlavorsAPI(backend.flavors),
                servers.ServersAPI(backend),
                server_actions.ServerActionsAPI(backend),
                migrations.MigrationsAPI(backend),
                services.ServicesAPI(backend),
                hypervisors.HypervisorsAPI(backend),
                drain.DrainAPI(backend),
                plan.PlanAPI(backend)):
        api.routes(router)
    return router


def _within(path, prefix):
    """The rest of ``path`` under ``prefix`` ('' for the prefix itself),
    or None when the path is elsewhere.
    """
    if path == prefix:
        return ''
    if path.startswith(prefix + '/'):
        return path[len(prefix):]
    return None


class Application(object):

    def __init__(self, backend, conf=CONF, token_store=tokens.TokenStore):
        """``token_store``: where the facade keeps its tokens (the class;
        tokens.DBTokenStore when several API processes share them).
        """
        self.backend = backend
        self.enforcer = policy.Enforcer(conf)
        backend.enforcer = self.enforcer
        self.compute = compute_router(backend)
        self.image = image_handlers.ImageAPI(
            backend.images, conf.api.max_image_upload_bytes)
        strategy = conf.api.auth_strategy
        self.tokens = None
        self.identity = None
        if strategy == auth.FACADE:
            self.tokens = token_store(
                tokens.users_from_conf(conf.api), conf.api.token_ttl)
            self.identity = facade.Facade(self.tokens)
        self.authenticator = auth.Authenticator(strategy, self.tokens)
        self.protected = self._protected
        if strategy == auth.KEYSTONE:
            from keystonemiddleware import auth_token
            self.protected = auth_token.AuthProtocol(
                self._protected, {'oslo_config_config': conf})

    def __call__(self, environ, start_response):
        req = wsgi.Request(environ)
        path = req.path_info or '/'
        if path == '/':
            resp = wsgi.json_response(
                {'versions': [compute_version(req.host_url)]})
        elif _within(path, COMPUTE) in ('', '/'):
            resp = wsgi.json_response(
                {'version': compute_version(req.host_url)})
        elif _within(path, IMAGE) in ('', '/'):
            resp = image_handlers.versions(req)
        elif _within(path, IDENTITY) is not None and self.identity:
            resp = self.identity(req, _within(path, IDENTITY))
        elif (_within(path, COMPUTE) is not None or
              _within(path, IMAGE) is not None):
            return self.protected(environ, start_response)
        else:
            resp = wsgi.fault_response(
                404, 'The resource %s could not be found.' % path)
        return resp(environ, start_response)

    def _protected(self, environ, start_response):
        req = wsgi.Request(environ)
        resp = self._serve(req)
        return resp(environ, start_response)

    def _serve(self, req):
        try:
            environ = req.environ
            environ['nova.context'] = self.authenticator.context(environ)
            environ['nova.policy'] = self.enforcer
        except wsgi.HTTPError as exc:
            return wsgi.error_response(exc)
        path = req.path_info
        rest = _within(path, IMAGE)
        if rest is not None:
            return wsgi.dispatch(self.image.router, req, rest)
        try:
            version = microversion.from_environ(req.environ)
        except microversion.VersionError as exc:
            return wsgi.fault_response(exc.code, str(exc))
        req.environ['nova.api_version'] = version
        resp = wsgi.dispatch(self.compute, req, _within(path, COMPUTE),
                             version)
        for name, value in microversion.headers(version):
            resp.headers[name] = value
        return resp


def build(backend, conf=CONF, token_store=tokens.TokenStore):
    return Application(backend, conf, token_store)
