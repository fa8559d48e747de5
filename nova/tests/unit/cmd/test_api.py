"""nova-api: the configuration checked, then gunicorn's master."""

import io
import os

import fixtures

from nova.cmd import api
from nova import test
from nova.tests.unit.api.openstack import test_wsgi_app


class NovaApiTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.MockPatch('nova.cmd.common.init_backend'))
        self.run_ = self.useFixture(fixtures.MockPatch(
            'gunicorn.app.base.BaseApplication.run', autospec=True)).mock
        self.err = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.err))

    def write(self, extra=''):
        path = os.path.join(self.tmp, 'nova.conf')
        with open(path, 'w') as f:
            for group, values in test_wsgi_app.GOOD.items():
                f.write('[%s]\n' % group)
                for key, value in values.items():
                    f.write('%s = %s\n' % (key, value))
            f.write(extra)
        return path

    def test_runs_gunicorn_with_the_api_options(self):
        captured = {}

        def run(app):
            captured.update((name, app.cfg.settings[name].get())
                            for name in ('bind', 'workers', 'threads',
                                         'worker_class'))
        self.run_.side_effect = run
        path = self.write('listen = ::1\nlisten_port = 18774\nworkers = 3\n'
                          'threads = 4\n')
        self.assertEqual(0, api.main(['--config-file', path]))
        self.assertEqual({'bind': ['[::1]:18774'], 'workers': 3,
                          'threads': 4, 'worker_class': 'gthread'},
                         captured)
        self.assertEqual('', self.err.getvalue())

    def test_bad_configuration_is_one_line_and_status_2(self):
        path = self.write()
        with open(path, 'a') as f:
            f.write('[database]\nconnection = sqlite:////tmp/nova.db\n')
        self.assertEqual(2, api.main(['--config-file', path]))
        self.run_.assert_not_called()
        lines = self.err.getvalue().splitlines()
        self.assertEqual(1, len(lines), lines)
        self.assertIn('[database] connection', lines[0])

    def test_missing_config_file(self):
        self.assertEqual(2, api.main(['--config-file',
                                      os.path.join(self.tmp, 'nope.conf')]))
        self.assertIn('nope.conf', self.err.getvalue())
        self.run_.assert_not_called()

    def test_bind_address(self):
        self.assertEqual('0.0.0.0:8774', api.bind_address('0.0.0.0', 8774))
        self.assertEqual('[::]:8774', api.bind_address('::', 8774))
