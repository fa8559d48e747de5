"""Microversion parsing and negotiation."""

import ddt

from nova.api.openstack import microversion as mv
from nova import test


@ddt.ddt
class MicroversionTestCase(test.NoDBTestCase):

    @ddt.data(('2.1', (2, 1)), ('2.80', (2, 80)), (' 2.30 ', (2, 30)))
    @ddt.unpack
    def test_parse(self, text, expected):
        self.assertEqual(expected, (mv.v(text).major, mv.v(text).minor))

    @ddt.data('2', '2.01', 'two.one', '2.1.1', '', None, '-2.1')
    def test_malformed_is_400(self, text):
        exc = self.assertRaises(mv.VersionError, mv.Version.parse, text)
        self.assertEqual(400, exc.code)

    def test_ordering(self):
        self.assertLess(mv.v('2.9'), mv.v('2.10'))
        self.assertTrue(mv.v('2.30').matches(mv.v('2.25'), None))
        self.assertFalse(mv.v('2.24').matches(mv.v('2.25'), mv.v('2.30')))

    @ddt.data(({}, '2.1'),
              ({'HTTP_X_OPENSTACK_NOVA_API_VERSION': '2.25'}, '2.25'),
              ({'HTTP_OPENSTACK_API_VERSION': 'compute 2.53'}, '2.53'),
              ({'HTTP_OPENSTACK_API_VERSION': 'image 2.5, compute 2.60'},
               '2.60'),
              ({'HTTP_OPENSTACK_API_VERSION': 'compute 2.53',
                'HTTP_X_OPENSTACK_NOVA_API_VERSION': '2.25'}, '2.53'),
              ({'HTTP_OPENSTACK_API_VERSION': 'image 2.5'}, '2.1'),
              ({'HTTP_X_OPENSTACK_NOVA_API_VERSION': 'latest'}, '2.80'))
    @ddt.unpack
    def test_from_environ(self, environ, served):
        self.assertEqual(served, str(mv.from_environ(environ)))

    @ddt.data('2.0', '2.81', '3.1', '1.1')
    def test_outside_range_is_406(self, text):
        exc = self.assertRaises(
            mv.VersionError, mv.from_environ,
            {'HTTP_OPENSTACK_API_VERSION': 'compute %s' % text})
        self.assertEqual(406, exc.code)
        self.assertEqual('Version %s is not supported by the API. Minimum '
                         'is 2.1 and maximum is 2.80.' % text, str(exc))

    def test_headers(self):
        self.assertEqual(
            [('OpenStack-API-Version', 'compute 2.30'),
             ('X-OpenStack-Nova-API-Version', '2.30'),
             ('Vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version')],
            mv.headers(mv.v('2.30')))
