"""A test case with the REST API of a per-test cloud (see fixtures)."""

from nova.compute import audit
from nova import objects
from nova.sim import model
from nova import test
from nova.tests.functional.api import fixtures as api_fixtures

#: A guest writing faster than any link: pre-copy never converges.
BUSY = dict(wws_mb=2048, dirty_rate_mbps=8192, cpu_bound_fraction=0.3)


class ApiTestCase(test.NoDBTestCase):

    HOSTS = None
    SPEED = 4.0
    AUTH_STRATEGY = 'facade'

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(api_fixtures.ApiFixture(
            self, self.HOSTS, self.SPEED, self.AUTH_STRATEGY))
        self.cloud = self.api.cloud
        self.ctxt = self.cloud.ctxt
        self.osc = self.api.osc
        self.osc_ok = self.api.osc_ok
        self.osc_fails = self.api.osc_fails

    def make_flavor(self, name, ram=2048, vcpus=2, disk=10, **props):
        argv = ['flavor', 'create', '--ram', str(ram), '--vcpus',
                str(vcpus), '--disk', str(disk), '-f', 'json']
        for key, value in props.items():
            key = key.replace('__', ':')
            argv += ['--property', '%s=%s' % (key, value)]
        return self.osc_ok(*(argv + [name]))['id']

    def make_image(self, name, **props):
        argv = ['image', 'create', '--file', self.api.empty_file, '-f',
                'json']
        for key, value in props.items():
            argv += ['--property', '%s=%s' % (key, value)]
        return self.osc_ok(*(argv + [name]))['id']

    def boot(self, name, flavor, image, host=None, workload=None):
        argv = ['server', 'create', '--flavor', flavor, '--image', image,
                '--no-network', '-f', 'json']
        if host:
            argv = ['--os-compute-api-version', '2.74'] + argv + [
                '--host', host]
        uuid = self.osc_ok(*(argv + [name]))['id']
        if workload:
            instance = self.instance(uuid)
            self.cloud.set_workload(instance, model.Workload(
                ram_mb=instance.flavor.memory_mb, **workload))
        return uuid

    def instance(self, uuid):
        return objects.Instance.get_by_uuid(self.ctxt, uuid)

    def live_migrations(self, uuid):
        return objects.Migration.get_by_instance(self.ctxt, uuid)

    def wait_status(self, uuid, *statuses):
        """Wait until the server's newest migration is in ``statuses``."""
        def look():
            migrations = self.live_migrations(uuid)
            if migrations and migrations[-1].status in statuses:
                return migrations[-1]
        return self.api.wait_for('migration of %s in %s' % (uuid, statuses),
                                 look)

    def wait_idle(self, uuid):
        return self.api.wait_for(
            'server %s idle' % uuid,
            lambda: (self.instance(uuid).task_state is None and
                     self.instance(uuid)))

    def assert_consistent(self):
        self.assertEqual([], audit.check(
            self.ctxt, self.cloud.deployment,
            pmem_owners=self.cloud.pmem_owners()))
