"""The clouds.yaml that serve writes, per authentication strategy."""

import os
import stat

import fixtures
import yaml

from nova.scenario import serve
from nova import test


class CloudsYamlTestCase(test.NoDBTestCase):

    def test_facade_password_entry(self):
        doc = serve.clouds_yaml('http://h:1', 'facade', 'pw')
        entry = doc['clouds'][serve.CLOUD_NAME]
        self.assertEqual(('password', 'http://h:1/identity', 'admin', 'pw'),
                         (entry['auth_type'], entry['auth']['auth_url'],
                          entry['auth']['username'],
                          entry['auth']['password']))
        self.assertEqual(3, entry['identity_api_version'])

    def test_none_entry_has_what_the_clients_need(self):
        entry = serve.clouds_yaml('http://h:1', 'none', None)['clouds'][
            serve.CLOUD_NAME]
        self.assertEqual(('none', 'http://h:1/v2.1', 3, 'http://h:1/image'),
                         (entry['auth_type'], entry['auth']['endpoint'],
                          entry['identity_api_version'],
                          entry['image_endpoint_override']))

    def test_keystone_writes_nothing(self):
        self.assertIsNone(serve.clouds_yaml('http://h:1', 'keystone', None))

    def test_written_private(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'sub', 'clouds.yaml')
        serve.write_clouds_yaml(path, {'clouds': {}})
        self.assertEqual({'clouds': {}}, yaml.safe_load(open(path)))
        self.assertEqual(0o600, stat.S_IMODE(os.stat(path).st_mode))
