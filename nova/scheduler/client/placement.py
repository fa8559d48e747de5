"""Reach Placement: the embedded service by default, or one over HTTP.

Both paths hand out a keystoneauth1 Adapter; the embedded service differs
only in that its HTTP never leaves the process (wsgi-intercept routes the
requests to the real Placement WSGI application).
"""

import contextlib
import threading

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import uuidutils

from nova import exception
from nova.scheduler.client import report

LOG = logging.getLogger(__name__)
SERVICE_TYPE = 'placement'

# Placement's database layer can be configured once per process; remember
# which database that was so that a second, different request fails
# clearly instead of silently sharing the first one.
_EMBEDDED_APP = {}


def noauth_adapter(endpoint, token='admin'):
    """Adapter for a Placement that runs with auth_strategy=noauth2."""
    session = ks_session.Session(auth=None,
                                 additional_headers={'x-auth-token': token})
    return ks_adapter.Adapter(session, service_type=SERVICE_TYPE,
                              endpoint_override=endpoint, raise_exc=False)


def _keystone_adapter(conf):
    group = 'placement'
    auth = ks_loading.load_auth_from_conf_options(conf, group)
    session = ks_loading.load_session_from_conf_options(conf, group,
                                                        auth=auth)
    return ks_loading.load_adapter_from_conf_options(
        conf, group, session=session, auth=auth, raise_exc=False,
        service_type=conf.placement.service_type or SERVICE_TYPE)


class SerializedApp(object):
    """A WSGI app that takes one request at a time.

    Embedded Placement runs on SQLite, and an in-memory SQLite database is
    one connection that oslo.db shares between threads.  Two requests at
    once then interleave their transactions on that connection and SQLite
    answers "cannot start a transaction within a transaction" (HTTP 500 to
    the client, half-done allocation moves).  Serializing the requests --
    the response body is read inside the lock -- keeps every Placement
    transaction whole; races between clients then surface as Placement's
    own generation conflicts (409), which the client retries.
    """

    def __init__(self, app):
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            result = self._app(environ, start_response)
            try:
                return [b''.join(result)]
            finally:
                close = getattr(result, 'close', None)
                if close is not None:
                    close()


@contextlib.contextmanager
def intercepted(app, url):
    """Route requests for ``url`` to ``app`` in this process."""
    from wsgi_intercept import interceptor

    intercept = interceptor.RequestsInterceptor(lambda: app, url=url)
    intercept.install_intercept()
    try:
        yield url
    finally:
        intercept.uninstall_intercept()


def _embedded_app(connection):
    """The Placement WSGI app on ``connection``, built once per process."""
    if connection in _EMBEDDED_APP:
        return _EMBEDDED_APP[connection]
    if _EMBEDDED_APP:
        raise exception.EmbeddedPlacementError(
            reason='this process already runs embedded Placement on %s; '
                   'it cannot also use %s' % (next(iter(_EMBEDDED_APP)),
                                              connection))
    try:
        from placement import conf as placement_conf
        from placement import db_api
        from placement import deploy
    except ImportError as exc:
        raise exception.EmbeddedPlacementError(
            reason='the openstack-placement package is not installed (%s)'
                   % exc)
    pconf = cfg.ConfigOpts()
    placement_conf.register_opts(pconf)
    pconf.set_override('connection', connection, group='placement_database')
    # Create or upgrade the schema and sync traits / resource classes.
    pconf.set_override('sync_on_startup', True, group='placement_database')
    pconf([], project='placement', default_config_files=[])
    pconf.set_override('sqlite_synchronous', False,
                       group='placement_database')
    pconf.set_override('auth_strategy', 'noauth2', group='api')
    try:
        db_api.configure(pconf)
        app = deploy.loadapp(pconf)
    except Exception as exc:
        raise exception.EmbeddedPlacementError(
            reason='%s: %s' % (type(exc).__name__, exc))
    app = SerializedApp(app)
    _EMBEDDED_APP[connection] = app
    return app


@contextlib.contextmanager
def embedded_placement(connection='sqlite://'):
    """Run the real Placement app in-process; yields its endpoint URL."""
    app = _embedded_app(connection)
    url = 'http://placement-%s.embedded/placement' % (
        uuidutils.generate_uuid(dashed=False)[:12])
    with intercepted(app, url):
        yield url


def is_embedded(conf):
    return not (conf.placement.endpoint_override or conf.placement.auth_type)


@contextlib.contextmanager
def report_client(conf):
    """A SchedulerReportClient for the configured Placement."""
    retries = conf.placement.conflict_retries
    if is_embedded(conf):
        with embedded_placement(conf.placement.embedded_connection) as url:
            LOG.debug('Using embedded Placement at %s', url)
            yield report.SchedulerReportClient(
                noauth_adapter(url), conflict_retries=retries)
        return
    if conf.placement.auth_type:
        adapter = _keystone_adapter(conf)
    else:
        adapter = noauth_adapter(conf.placement.endpoint_override,
                                 conf.placement.noauth_token)
    yield report.SchedulerReportClient(adapter, conflict_retries=retries)
