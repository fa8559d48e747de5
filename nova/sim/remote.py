"""libvirt-python's call shapes, answered by a simulated hypervisor daemon.

Import it in place of ``libvirt`` for a ``sim+unix`` URI::

    sim+unix:///system?socket=/path/sim.sock&host=h1

``openAuth``/``open`` give a virConnect whose calls, and those of the
virDomain objects it returns, run in ``nova.sim.daemon``: the guests live
there, not in the calling process.  Every call uses a connection of its
own, so a call that blocks (``migrateToURI3``) never holds up another.
"""

import urllib.parse

from multiprocessing import connection

from nova.sim import clock as sim_clock
from nova.sim import constants

for _name in dir(constants):
    if _name.startswith('VIR_'):
        globals()[_name] = getattr(constants, _name)
del _name

libvirtError = constants.libvirtError
SCHEME = 'sim+unix'


def _parse(uri):
    parts = urllib.parse.urlsplit(uri)
    query = dict(urllib.parse.parse_qsl(parts.query))
    if parts.scheme != SCHEME or 'socket' not in query or (
            'host' not in query):
        raise constants.make_error(
            constants.VIR_ERR_INVALID_ARG,
            'a simulated hypervisor URI is sim+unix:///system?socket=PATH'
            '&host=NAME, got %s' % uri, domain=constants.VIR_FROM_NONE)
    return query['socket'], 'sim://%s/system' % query['host']


def _request(path, *request):
    try:
        client = connection.Client(path, family='AF_UNIX')
    except OSError as exc:
        raise constants.make_error(
            constants.VIR_ERR_SYSTEM_ERROR,
            'unable to connect to the simulated hypervisor at %s: %s' % (
                path, exc), domain=constants.VIR_FROM_RPC)
    try:
        client.send(request)
        kind, value = client.recv()
    except (EOFError, OSError) as exc:
        raise constants.make_error(
            constants.VIR_ERR_SYSTEM_ERROR,
            'Cannot recv data from the simulated hypervisor: %s' % exc,
            domain=constants.VIR_FROM_RPC)
    finally:
        client.close()
    if kind == 'error':
        error = libvirtError(value[2])
        error.err = tuple(value)
        raise error
    return kind, value


class _Remote(object):
    _target = None

    def _key(self):
        raise NotImplementedError()

    def _call(self, method, *args, **kwargs):
        kind, value = _request(self._path, self._target, self._key(), method,
                               args, kwargs)
        if kind == 'domain':
            return virDomain(self._path, self._uri, value)
        if kind == 'domains':
            return [virDomain(self._path, self._uri, v) for v in value]
        return value

    def __getattr__(self, method):
        if method.startswith('_'):
            raise AttributeError(method)
        return lambda *args, **kwargs: self._call(method, *args, **kwargs)


class virConnect(_Remote):
    _target = 'conn'

    def __init__(self, path, uri):
        self._path = path
        self._uri = uri

    def _key(self):
        return self._uri

    def close(self):
        return 0


class virDomain(_Remote):
    _target = 'dom'

    def __init__(self, path, uri, uuid):
        self._path = path
        self._uri = uri
        self._uuid = uuid

    def _key(self):
        return (self._uri, self._uuid)

    def UUIDString(self):
        return self._uuid


def openAuth(uri, auth=None, flags=0):
    path, inner = _parse(uri)
    conn = virConnect(path, inner)
    conn.getURI()  # fails here, as libvirt does, if nobody answers
    return conn


def open(name=None):
    return openAuth(name)


def openReadOnly(name=None):
    return openAuth(name)


def registerErrorHandler(f, ctx):
    return 0


# -- what the driver's host wrapper asks of a simulated hypervisor -----------

class _Pmem(object):
    def __init__(self, path, uri):
        self._path, self._uri = path, uri

    def runner(self, *argv):
        return _request(self._path, 'host', self._uri, 'pmem_runner', argv,
                        {})[1]


class _Host(object):
    def __init__(self, path, uri):
        self._path, self._uri = path, uri
        self.pmem = _Pmem(path, uri)

    @property
    def disk_gb(self):
        return _request(self._path, 'host', self._uri, 'disk_gb', (),
                        {})[1]


class _Network(object):
    """The daemon's network as the host wrapper sees it: a real clock
    (the daemon keeps virtual time in step) and its hosts.
    """

    clock = sim_clock.RealClock()

    def find_host(self, uri):
        return _Host(*_parse(uri))


def get_network():
    return _Network()
