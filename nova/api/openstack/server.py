"""Serve a WSGI application on a TCP port, one thread per connection.

wsgiref's server with threads, TCP_NODELAY (no Nagle delay between the
headers and the body) and chunked request bodies decoded (``openstack
image create`` uploads with ``Transfer-Encoding: chunked``).  Access logs
go to the service log at debug level, never to stdout.
"""

import socket
import socketserver
import threading
from wsgiref import simple_server

from oslo_log import log as logging

LOG = logging.getLogger(__name__)
#: Largest chunk-size line accepted from a client.
MAX_CHUNK_LINE = 1024


class ChunkedReader(object):
    """A file-like view of a chunked request body, ending at its end."""

    def __init__(self, raw):
        self._raw = raw
        self._left = 0
        self._done = False

    def _next_chunk(self):
        line = self._raw.readline(MAX_CHUNK_LINE)
        try:
            size = int(line.split(b';', 1)[0].strip() or b'x', 16)
        except ValueError:
            raise IOError('bad chunk size line %r' % line[:40])
        if size == 0:
            # Trailers end with an empty line.
            end = (b'\r\n', b'\n', b'')
            while self._raw.readline(MAX_CHUNK_LINE) not in end:
                pass
            self._done = True
        self._left = size

    def read(self, size=-1):
        out = []
        while not self._done and (size < 0 or size > 0):
            if self._left == 0:
                self._next_chunk()
                continue
            want = self._left if size < 0 else min(size, self._left)
            data = self._raw.read(want)
            if not data:
                raise IOError('the client closed the connection inside a '
                              'chunk')
            out.append(data)
            self._left -= len(data)
            if size > 0:
                size -= len(data)
            if self._left == 0:
                self._raw.readline(MAX_CHUNK_LINE)
        return b''.join(out)

    def readline(self, size=-1):
        return self.read(size)


class _Handler(simple_server.WSGIRequestHandler):

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        LOG.debug('%s %s', self.address_string(), fmt % args)


def dechunked(app):
    """``app`` reading chunked request bodies decoded (wsgiref hands the
    raw stream to the application).
    """
    def wrapper(environ, start_response):
        if 'chunked' in environ.get('HTTP_TRANSFER_ENCODING', '').lower():
            environ['wsgi.input'] = ChunkedReader(environ['wsgi.input'])
            environ['wsgi.input_terminated'] = True
            environ.pop('CONTENT_LENGTH', None)
        return app(environ, start_response)
    return wrapper


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class Server(object):
    """The application on ``host:port`` (port 0: a free one)."""

    def __init__(self, app, host='127.0.0.1', port=0):
        self._httpd = simple_server.make_server(
            host, port, dechunked(app),
            server_class=_Server6 if ':' in host else _Server,
            handler_class=_Handler)
        self._thread = None

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def host(self):
        return self._httpd.server_address[0]

    @property
    def url(self):
        host = self.host
        if ':' in host:
            host = '[%s]' % host
        return 'http://%s:%d' % (host, self.port)

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={'poll_interval': 0.2},
                                        name='api-server', daemon=True)
        self._thread.start()

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)
