"""Request plumbing: faults, routing, bodies, schemas."""

import json

import ddt
import webob

from nova.api.openstack import microversion as mv
from nova.api.openstack import wsgi
from nova import exception
from nova import test


@ddt.ddt
class FaultTestCase(test.NoDBTestCase):

    @ddt.data((400, 'badRequest'), (401, 'unauthorized'),
              (403, 'forbidden'), (404, 'itemNotFound'), (405, 'badMethod'),
              (406, 'computeFault'), (409, 'conflictingRequest'),
              (413, 'overLimit'), (415, 'badMediaType'),
              (500, 'computeFault'), (501, 'notImplemented'),
              (503, 'serviceUnavailable'))
    @ddt.unpack
    def test_fault_names(self, code, name):
        resp = wsgi.fault_response(code, 'why')
        self.assertEqual(code, resp.status_int)
        self.assertEqual('application/json', resp.content_type)
        self.assertEqual({name: {'code': code, 'message': 'why'}},
                         json.loads(resp.body))

    def test_typed_errors_keep_their_status_and_message(self):
        resp = wsgi.error_response(exception.InstanceInvalidState(
            instance_uuid='u', state='active/migrating',
            action='live migration', needed='idle'))
        self.assertEqual(409, resp.status_int)
        self.assertIn('active/migrating', json.loads(resp.body)[
            'conflictingRequest']['message'])

    def test_unexpected_errors_hide_details(self):
        resp = wsgi.error_response(KeyError('secret'))
        self.assertEqual(500, resp.status_int)
        message = json.loads(resp.body)['computeFault']['message']
        self.assertNotIn('secret', message)
        self.assertIn('KeyError', message)


class RouterTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.router = wsgi.Router()
        self.router.add('GET', '/things/{thing_id}', lambda req, thing_id: (
            'show', thing_id))
        self.router.add('DELETE', '/things/{thing_id}', lambda req, **kw: (
            'delete',), '2.24')

    def test_match_with_arguments(self):
        handler, args = self.router.match('GET', '/things/7', mv.v('2.1'))
        self.assertEqual(('show', '7'), handler(None, **args))
        handler, args = self.router.match('GET', '/things/7/', None)
        self.assertEqual({'thing_id': '7'}, args)

    def test_missing_path_is_404_and_method_405(self):
        exc = self.assertRaises(wsgi.HTTPError, self.router.match, 'GET',
                                '/other', mv.v('2.1'))
        self.assertEqual(404, exc.code)
        exc = self.assertRaises(wsgi.HTTPError, self.router.match, 'POST',
                                '/things/7', mv.v('2.30'))
        self.assertEqual(405, exc.code)
        self.assertEqual([('Allow', 'DELETE, GET')], exc.headers)

    def test_version_gated_route(self):
        exc = self.assertRaises(wsgi.HTTPError, self.router.match, 'DELETE',
                                '/things/7', mv.v('2.23'))
        self.assertEqual(405, exc.code)
        handler, _args = self.router.match('DELETE', '/things/7',
                                           mv.v('2.24'))
        self.assertEqual(('delete',), handler(None))


@ddt.ddt
class BodyTestCase(test.NoDBTestCase):

    SCHEMA = {'type': 'object', 'required': ['thing'],
              'properties': {'thing': {
                  'type': 'object', 'additionalProperties': False,
                  'properties': {'size': {'type': 'integer', 'minimum': 1,
                                          'maximum': 10}}}}}

    def _req(self, body):
        req = wsgi.Request(webob.Request.blank('/', method='POST').environ)
        req.body = body if isinstance(body, bytes) else body.encode()
        return req

    @ddt.data('{"thing": {"size": NaN}}', '{"thing": {"size": Infinity}}',
              '{"thing": {"size": 1e999}}', '{not json', b'\xff\xfe', '')
    def test_bad_json_is_400(self, body):
        exc = self.assertRaises(wsgi.HTTPError, self._req(body).body_for,
                                self.SCHEMA)
        self.assertEqual(400, exc.code)

    @ddt.data(('{"thing": {"size": 11}}', 'thing/size', '11'),
              ('{"thing": {"size": "3"}}', 'thing/size', "'3'"),
              ('{"thing": {"colour": 1}}', 'thing', 'colour'),
              ('{}', 'body', 'thing'))
    @ddt.unpack
    def test_schema_error_names_field_and_value(self, body, field, value):
        exc = self.assertRaises(wsgi.HTTPError, self._req(body).body_for,
                                self.SCHEMA)
        self.assertEqual(400, exc.code)
        self.assertIn('field %s' % field, exc.message)
        self.assertIn(value, exc.message)

    def test_too_large(self):
        req = self._req('{}')
        req.content_length = wsgi.MAX_JSON_BODY + 1
        exc = self.assertRaises(wsgi.HTTPError, req.json_body)
        self.assertEqual(413, exc.code)
