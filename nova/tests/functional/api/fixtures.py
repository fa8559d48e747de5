"""The REST API on a real port in front of a per-test deployment.

The deployment is integrated_helpers' (database, real Placement,
simulated hosts) with its simulated hosts driven by a PacedClock, so
migrations started through the API run in the background at ``SPEED``
simulated seconds per real second, as under ``serve``.  The unmodified
python-openstackclient runs in-process (``openstackclient.shell.main``)
against clouds.yaml entries for the admin, a member and the ``none``
auth mode; openstacksdk connects to the same entries.
"""

import contextlib
import io
import json
import os
import sys
import time

import fixtures
import yaml

from nova.api.openstack import app as api_app
from nova.api.openstack import backend as api_backend
from nova.api.openstack import server as api_server
from nova.sim import paced_clock
from nova.tests.functional import integrated_helpers

ADMIN = 'nova-live-migration'
MEMBER = 'lm-member'
NONE = 'lm-none'
ADMIN_PASSWORD = 'admin-secret'
MEMBER_PASSWORD = 'member-secret'


def _forget_client_handles():
    """Drop the clients an earlier in-process run of openstack created.

    osc_lib's ClientManager keeps each service's client (with its
    session, token and endpoint) on a class-level descriptor: a second
    ``shell.main`` in the same process would reuse the first run's
    client -- another user's token, another test's URL.  A real
    ``openstack`` process starts empty; so does every run here.
    """
    from osc_lib import clientmanager

    for attr in vars(clientmanager.ClientManager).values():
        if isinstance(attr, clientmanager.ClientCache):
            attr._handle = None


class ApiFixture(fixtures.Fixture):
    """``self.url``, ``self.cloud`` (the DeploymentFixture) and
    ``self.backend``; ``osc(...)`` runs one openstack command.
    """

    def __init__(self, test, hosts=None, speed=4.0, auth_strategy='facade'):
        super().__init__()
        self.test = test
        self.hosts = hosts
        self.speed = speed
        self.auth_strategy = auth_strategy

    def setUp(self):
        super().setUp()
        self.test.flags(admin_password=ADMIN_PASSWORD,
                        member_password=MEMBER_PASSWORD,
                        auth_strategy=self.auth_strategy,
                        live_migration_accept_timeout=30, group='api')
        self.cloud = self.useFixture(
            integrated_helpers.DeploymentFixture(self.hosts))
        self.clock = paced_clock.PacedClock(self.speed)
        self.cloud.network.clock = self.clock
        self.cloud.deployment.task_manager.clock = self.clock
        self.clock.start()
        self.addCleanup(self.clock.stop)
        self.addCleanup(self.cloud.network.fail_all_jobs)
        self.addCleanup(self.cloud.api.wait_background, 30)
        self.backend = api_backend.Backend(self.cloud.deployment)
        self.app = api_app.build(self.backend)
        self.server = api_server.Server(self.app)
        self.server.start()
        self.addCleanup(self.server.stop)
        self.url = self.server.url
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.clouds_yaml = os.path.join(self.tmp, 'clouds.yaml')
        with open(self.clouds_yaml, 'w') as stream:
            yaml.safe_dump({'clouds': self.clouds()}, stream)
        self.empty_file = os.path.join(self.tmp, 'empty')
        open(self.empty_file, 'wb').close()
        for name in [k for k in os.environ if k.startswith('OS_')]:
            self.useFixture(fixtures.EnvironmentVariable(name))
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', self.clouds_yaml))
        # User-wide client configuration must not leak in.
        self.useFixture(fixtures.EnvironmentVariable('HOME', self.tmp))

    def clouds(self):
        def password(user, password, project):
            return {'auth_type': 'password',
                    'auth': {'auth_url': self.url + '/identity',
                             'username': user, 'password': password,
                             'project_name': project,
                             'user_domain_name': 'Default',
                             'project_domain_name': 'Default'},
                    'identity_api_version': 3, 'region_name': 'RegionOne'}
        return {
            ADMIN: password('admin', ADMIN_PASSWORD, 'admin'),
            MEMBER: password('member', MEMBER_PASSWORD, 'demo'),
            NONE: {'auth_type': 'none',
                   'auth': {'endpoint': self.url + '/v2.1'},
                   'identity_api_version': 3,
                   'image_endpoint_override': self.url + '/image'},
        }

    def osc(self, *argv, cloud=ADMIN):
        """Run ``openstack --os-cloud CLOUD ARGV...`` in-process; returns
        (exit status, stdout, stderr).
        """
        from openstackclient import shell

        _forget_client_handles()
        out, err = io.StringIO(), io.StringIO()
        stdin = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(b''))
        try:
            with contextlib.redirect_stdout(out), \
                    contextlib.redirect_stderr(err):
                rc = shell.main(['--os-cloud', cloud] + list(argv))
        finally:
            sys.stdin = stdin
        return rc, out.getvalue(), err.getvalue()

    def osc_ok(self, *argv, cloud=ADMIN):
        """Run a command that must succeed; returns its stdout (parsed
        when ``-f json`` was asked).
        """
        rc, out, err = self.osc(*argv, cloud=cloud)
        if rc != 0:
            raise AssertionError('openstack %s exited %s: %s' % (
                ' '.join(argv), rc, err.strip()[-2000:]))
        if '-f' in argv and argv[argv.index('-f') + 1] == 'json':
            return json.loads(out)
        return out

    def osc_fails(self, *argv, cloud=ADMIN):
        """Run a command that must fail; returns its stderr."""
        rc, out, err = self.osc(*argv, cloud=cloud)
        if rc == 0:
            raise AssertionError('openstack %s succeeded: %s' % (
                ' '.join(argv), out))
        return err

    def sdk(self, cloud=ADMIN):
        import openstack

        conn = openstack.connect(cloud=cloud)
        self.addCleanup(conn.close)
        return conn

    def wait_for(self, what, predicate, timeout=60.0, interval=0.05):
        """Poll ``predicate()`` until it returns a true value (returned);
        AssertionError naming ``what`` after ``timeout`` real seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError('timed out waiting for %s' % what)
            time.sleep(interval)
