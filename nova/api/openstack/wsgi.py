"""Request plumbing shared by every handler.

A handler is a function ``handler(req, **route_args)`` returning a
``webob.Response`` (see :func:`json_response` and :func:`empty`).  It
checks policy first (``req.authorize``), reads its body through the JSON
schema it declares (``req.body_for(SCHEMA)``), calls the compute API or
the objects, and raises nothing HTTP-shaped itself except
:class:`HTTPError`; every typed NovaException is turned into a fault at
the edge (:func:`dispatch`), with its ``code`` as the status.
"""

import json
import math
import re

import jsonschema
from oslo_log import log as logging
import webob

from nova.api.openstack import microversion
from nova import exception

LOG = logging.getLogger(__name__)
JSON = 'application/json'
#: Largest JSON body accepted (an image upload is not JSON).
MAX_JSON_BODY = 1024 * 1024

#: Nova's fault names by HTTP status; anything else is a computeFault.
FAULT_NAMES = {
    400: 'badRequest', 401: 'unauthorized', 403: 'forbidden',
    404: 'itemNotFound', 405: 'badMethod', 409: 'conflictingRequest',
    413: 'overLimit', 415: 'badMediaType', 429: 'overLimit',
    501: 'notImplemented', 503: 'serviceUnavailable',
}


class HTTPError(Exception):
    """An HTTP answer other than success, raised by handlers."""

    def __init__(self, code, message, headers=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or []


def bad_request(message):
    return HTTPError(400, message)


def not_found(message):
    return HTTPError(404, message)


def fault_body(code, message):
    """Nova's fault document: {faultName: {code, message}}."""
    return {FAULT_NAMES.get(code, 'computeFault'): {
        'code': code, 'message': message}}


def json_response(body, status=200, headers=None):
    resp = webob.Response(status=status, content_type=JSON, charset='utf-8')
    resp.body = json.dumps(body).encode('utf-8')
    for name, value in headers or []:
        resp.headers[name] = value
    return resp


def empty(status=202):
    resp = webob.Response(status=status)
    resp.content_type = None
    resp.body = b''
    return resp


def fault_response(code, message, headers=None):
    return json_response(fault_body(code, message), code, headers)


def _refuse_constant(name):
    raise ValueError('%s is not a number JSON allows' % name)


def _finite(value):
    value = float(value)
    if not math.isfinite(value):
        raise ValueError('numbers must be finite')
    return value


class Request(webob.Request):
    """A webob Request with the served version, context and policy."""

    @property
    def version(self):
        return self.environ.get('nova.api_version', microversion.MIN)

    def at_least(self, text):
        return self.version >= microversion.v(text)

    @property
    def context(self):
        return self.environ['nova.context']

    def authorize(self, rule, target=None):
        """Raise 403 unless the caller may use ``rule`` (policy first)."""
        enforcer = self.environ['nova.policy']
        enforcer.authorize(rule, self.context, target)

    def json_body(self):
        if self.content_length is not None and (
                self.content_length > MAX_JSON_BODY):
            raise HTTPError(413, 'The request body is larger than %d bytes.'
                            % MAX_JSON_BODY)
        raw = self.body
        if not raw:
            raise bad_request('The request needs a JSON body.')
        try:
            return json.loads(raw.decode('utf-8'),
                              parse_constant=_refuse_constant,
                              parse_float=_finite)
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request('Malformed request body: %s' % exc)

    def body_for(self, schema):
        """The JSON body, checked against ``schema`` (400 naming the
        field, the value and the rule when it breaks it).
        """
        body = self.json_body()
        validate(schema, body)
        return body

    def query(self, name, default=None):
        return self.GET.get(name, default)


def validate(schema, document):
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(document),
                    key=lambda e: (len(e.absolute_path), str(e.message)))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors) or errors[0]
    where = '/'.join(str(p) for p in error.absolute_path) or 'body'
    raise bad_request('Invalid input for field %s: %s.' % (
        where, error.message))


class Route(object):
    """One handler for a method and path, within a version range."""

    def __init__(self, method, template, handler, min_version, max_version):
        self.method = method
        self.template = template
        self.handler = handler
        self.min_version = (microversion.v(min_version) if min_version
                            else None)
        self.max_version = (microversion.v(max_version) if max_version
                            else None)
        pattern = re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)',
                         template.rstrip('/') or '/')
        self.regex = re.compile('^%s/?$' % pattern)


class Router(object):
    """Routes of one service, chosen by path, method and version.

    A path that exists for no version served gives 404, a method the
    path does not have 405 (with ``Allow``), as Nova answers.
    """

    def __init__(self):
        self.routes = []

    def add(self, method, template, handler, min_version=None,
            max_version=None):
        self.routes.append(Route(method, template, handler, min_version,
                                 max_version))

    def match(self, method, path, version):
        allowed = set()
        found_path = False
        for route in self.routes:
            m = route.regex.match(path)
            if not m:
                continue
            if version is not None and not version.matches(
                    route.min_version, route.max_version):
                continue
            found_path = True
            if route.method != method:
                allowed.add(route.method)
                continue
            return route.handler, m.groupdict()
        if found_path:
            raise HTTPError(405, 'The method %s is not allowed for %s.' % (
                method, path), [('Allow', ', '.join(sorted(allowed)))])
        raise not_found('The resource %s could not be found.' % path)


def error_response(exc):
    """The fault response for an exception leaving a handler."""
    if isinstance(exc, HTTPError):
        return fault_response(exc.code, exc.message, exc.headers)
    if isinstance(exc, exception.NovaException):
        code = exc.code if 400 <= exc.code < 600 else 500
        if code >= 500:
            LOG.warning('Request failed: %s', exc)
        # The message alone: an error raised in another service carries
        # that service's traceback in str(exc).
        return fault_response(code, exc.message)
    LOG.exception('Unexpected error in an API handler')
    return fault_response(
        500, 'Unexpected API error (%s); the service log has the details.'
        % type(exc).__name__)


def dispatch(router, req, path, version=None):
    """Route ``req`` and call its handler; every error becomes a fault."""
    try:
        handler, args = router.match(req.method, path, version)
        return handler(req, **args)
    except Exception as exc:
        return error_response(exc)
