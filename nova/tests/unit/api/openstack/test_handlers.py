"""Flavor and image handlers through the WSGI application (no cloud)."""

import io
import json

import ddt
import webob

from nova.api.openstack import app as api_app
from nova.api.openstack import server as api_server
from nova import test
from nova.tests import fixtures as nova_fixtures
from nova.tests.unit.api.openstack import test_auth

PATCH = 'application/openstack-images-v2.1-json-patch'


@ddt.ddt
class HandlersTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        # The flavors and images live in the database.
        self.useFixture(nova_fixtures.Database())
        self.flags(auth_strategy='none', max_image_upload_bytes=10,
                   group='api')
        self.app = api_app.build(test_auth._Backend())

    def call(self, method, path, body=None, version='2.61',
             content_type='application/json', raw=None):
        req = webob.Request.blank(path, method=method)
        req.headers['OpenStack-API-Version'] = 'compute %s' % version
        if body is not None or raw is not None:
            req.body = raw if raw is not None else json.dumps(body).encode()
            req.content_type = content_type
        resp = req.get_response(self.app)
        return resp.status_int, (json.loads(resp.body) if resp.body
                                 else None)

    def _flavor(self, **overrides):
        flavor = {'name': 'f', 'ram': 512, 'vcpus': 1, 'disk': 1}
        flavor.update(overrides)
        return self.call('POST', '/v2.1/flavors', {'flavor': flavor})

    def test_flavor_create_show_and_extra_specs(self):
        status, body = self._flavor(id='f1')
        self.assertEqual(200, status)
        self.assertEqual({}, body['flavor']['extra_specs'])
        status, body = self.call('PUT', '/v2.1/flavors/f1/os-extra_specs/'
                                 'hw:numa_nodes', {'hw:numa_nodes': 2})
        self.assertEqual((200, {'hw:numa_nodes': '2'}), (status, body))
        status, body = self.call('PUT', '/v2.1/flavors/f1/os-extra_specs/'
                                 'hw:numa_nodes', {'hw:numa_nodes': 0})
        self.assertEqual(400, status)
        self.assertIn("hw:numa_nodes='0'", body['badRequest']['message'])
        self.assertIn('at least 1', body['badRequest']['message'])
        status, body = self.call('PUT', '/v2.1/flavors/f1/os-extra_specs/'
                                 'hw:numa_nodes', {'other': 1})
        self.assertEqual(400, status)
        self.assertEqual(200, self.call(
            'DELETE', '/v2.1/flavors/f1/os-extra_specs/hw:numa_nodes')[0])
        self.assertEqual(404, self.call(
            'DELETE', '/v2.1/flavors/f1/os-extra_specs/hw:numa_nodes')[0])
        # Below 2.61 the flavor carries no extra_specs.
        status, body = self.call('GET', '/v2.1/flavors/f1', version='2.60')
        self.assertNotIn('extra_specs', body['flavor'])
        self.assertEqual(404, self.call('GET', '/v2.1/flavors/nope')[0])

    @ddt.data({'ram': 0}, {'ram': 2 ** 40}, {'vcpus': 5000},
              {'disk': -1}, {'ram': 1.5}, {'ram': '512'},
              {'name': ' padded'}, {'id': 'a/b'}, {'colour': 'red'})
    def test_flavor_bounds(self, overrides):
        status, body = self._flavor(**overrides)
        self.assertEqual(400, status)
        self.assertIn('Invalid input for field', body['badRequest'][
            'message'])

    def test_image_create_patch_upload(self):
        status, image = self.call('POST', '/image/v2/images', {
            'name': 'i', 'compute_live_migration_post_copy': 'true'})
        self.assertEqual(201, status)
        self.assertEqual('queued', image['status'])
        url = '/image/v2/images/%s' % image['id']
        ops = [{'op': 'add', 'path': '/compute_live_migration_auto_converge',
                'value': 'true'}]
        status, body = self.call('PATCH', url, ops, content_type=PATCH)
        self.assertEqual(400, status)
        self.assertIn('cannot both be set', body['badRequest']['message'])
        self.assertEqual(415, self.call('PATCH', url, ops)[0])
        status, body = self.call('PATCH', url, [{'op': 'replace',
                                                 'path': '/status',
                                                 'value': 'active'}],
                                 content_type=PATCH)
        self.assertEqual(403, status)
        status, body = self.call('PATCH', url, [
            {'op': 'remove', 'path': '/compute_live_migration_post_copy'},
            {'op': 'replace', 'path': '/min_ram', 'value': 64}],
            content_type=PATCH)
        self.assertEqual(200, status)
        self.assertNotIn('compute_live_migration_post_copy', body)
        self.assertEqual(64, body['min_ram'])
        status, body = self.call('PUT', url + '/file', raw=b'x' * 11,
                                 content_type='application/octet-stream')
        self.assertEqual(413, status)
        self.assertEqual(204, self.call(
            'PUT', url + '/file', raw=b'abc',
            content_type='application/octet-stream')[0])
        status, body = self.call('GET', url)
        self.assertEqual(('active', 3), (body['status'], body['size']))
        self.assertEqual(409, self.call(
            'PUT', url + '/file', raw=b'abc',
            content_type='application/octet-stream')[0])
        status, body = self.call('GET', '/image/v2/images?id=in:%s,other'
                                 % image['id'])
        self.assertEqual([image['id']], [i['id'] for i in body['images']])
        self.assertEqual(204, self.call('DELETE', url)[0])
        self.assertEqual(404, self.call('GET', url)[0])

    def test_unknown_paths(self):
        self.assertEqual(404, self.call('GET', '/v2.1/os-keypairs')[0])
        self.assertEqual(404, self.call('GET', '/elsewhere')[0])
        status, body = self.call('GET', '/v2.1/flavors', version='2.81')
        self.assertEqual(406, status)
        self.assertIn('maximum is 2.80', body['computeFault']['message'])


class ChunkedReaderTestCase(test.NoDBTestCase):

    def test_decodes_chunks_and_trailers(self):
        raw = io.BytesIO(b'3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nX-T: 1\r\n'
                         b'\r\nrest')
        reader = api_server.ChunkedReader(raw)
        self.assertEqual(b'ab', reader.read(2))
        self.assertEqual(b'cdefg', reader.read())
        self.assertEqual(b'', reader.read())
        self.assertEqual(b'rest', raw.read())

    def test_bad_input(self):
        self.assertRaises(IOError, api_server.ChunkedReader(
            io.BytesIO(b'zz\r\n')).read)
        self.assertRaises(IOError, api_server.ChunkedReader(
            io.BytesIO(b'5\r\nab')).read)
