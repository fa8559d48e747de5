"""The REST API as a process of its own, driven by the real ``openstack``.

``nova-api`` runs under gunicorn with two workers beside the conductor
(the lab's control namespace), the compute services in their hosts'
namespaces; the unmodified ``openstack`` command runs as a subprocess
against a clouds.yaml naming the lab's API (password authentication
against its identity facade).  Every test ends with the consistency audit
across the processes.
"""

import os
import signal

from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
import yaml

from nova import objects
from nova.objects import fields
from nova.tests.multinode import cloud as multinode
from nova.tests.multinode import test_services

STATUS = fields.MigrationStatus


class OpenStackCommandTestCase(test_services.MultinodeTestCase):

    def setUp(self):
        super().setUp()
        self.cloud.start_api()
        self.osc = self.cloud.openstack_ok
        empty = os.path.join(self.cloud.dir, 'empty')
        open(empty, 'wb').close()
        # Both made through the API (and so stored in the database).
        self.flavor = self.osc('flavor', 'create', '--ram', '1024',
                               '--vcpus', '1', '--disk', '1', '-f', 'json',
                               'lab-small')['id']
        self.image = self.osc('image', 'create', '--file', empty,
                              '--disk-format', 'raw', '--container-format',
                              'bare', '-f', 'json', 'lab-image')['id']

    # -- helpers -------------------------------------------------------------

    def boot(self, name, host=None):
        argv = ['server', 'create', '--flavor', self.flavor, '--image',
                self.image, '--no-network', '-f', 'json']
        if host:
            argv = ['--os-compute-api-version', '2.74'] + argv + [
                '--host', host]
        server = self.osc(*(argv + [name]))
        self.assertEqual('ACTIVE', server['status'])
        return objects.Instance.get_by_uuid(self.ctxt, server['id'])

    def wait_migrated(self, name, status='completed'):
        """The server's migrations (``openstack server migration list``)
        once one has ``status``.
        """
        def listed():
            found = self.osc('server', 'migration', 'list', '--server',
                             name, '-f', 'json')
            return [m['Status'] for m in found].count(status) and found
        return multinode.wait_for('a migration of %s to be %s' % (
            name, status), listed, timeout=180, interval=1)

    def wait_settled(self, name):
        """``openstack server show`` once no task runs on the server."""
        def shown():
            server = self.osc('server', 'show', '-f', 'json', name)
            return server['OS-EXT-STS:task_state'] is None and server
        return multinode.wait_for('%s to settle' % name, shown, timeout=60,
                                  interval=1)

    def services(self):
        return {(s['Binary'], s['Host']): s for s in self.osc(
            'compute', 'service', 'list', '-f', 'json')}

    def api_session(self):
        """A keystoneauth session from the lab's clouds.yaml, for the
        fields the openstack command does not print.
        """
        with open(self.cloud.clouds_yaml) as f:
            auth = yaml.safe_load(f)['clouds']['lab']['auth']
        plugin = ks_loading.get_plugin_loader('password').load_from_options(
            **auth)
        return ks_session.Session(auth=plugin)

    # -- tests ---------------------------------------------------------------

    def test_live_migration_from_the_openstack_command(self):
        inst = self.boot('s1', host='h1')
        self.assertEqual('h1', inst.host)
        self.osc('--os-compute-api-version', '2.30', 'server', 'migrate',
                 '--live-migration', '--host', 'h2', 's1')
        listed = self.wait_migrated('s1')
        self.assertEqual([('completed', 'live-migration')],
                         [(m['Status'], m['Type']) for m in listed])
        shown = self.wait_settled('s1')
        self.assertEqual(('ACTIVE', 'h2'), (shown['status'],
                                            shown['OS-EXT-SRV-ATTR:host']))
        migration = self.migration_of(inst)
        self.assertEqual(('h1', 'h2', STATUS.COMPLETED, listed[0]['UUID']),
                         (migration.source_compute, migration.dest_compute,
                          migration.status, migration.uuid))
        # The policy in effect comes from the destination's compute
        # service, asked over RabbitMQ by the API process.
        server = self.api_session().get(
            self.cloud.api_url + '/v2.1/servers/%s' % inst.uuid).json()
        policy = server['server']['OS-EXT-LM:migration_policy']
        self.assertEqual('h2', policy['host'])
        self.assertIn('post_copy', policy)
        self.assert_runs_once_where_recorded(inst)
        self.assertEqual('h2', inst.host)
        self.assert_consistent()

    def test_disabled_host_is_skipped_across_processes(self):
        self.osc('compute', 'service', 'set', '--disable',
                 '--disable-reason', 'maintenance', 'h1', 'nova-compute')
        # The setting is in the database: a restarted API sees it.
        self.cloud.kill('api', signal.SIGTERM)
        self.cloud.start_api()
        services = self.services()
        self.assertEqual(('disabled', 'up'), (
            services[('nova-compute', 'h1')]['Status'],
            services[('nova-compute', 'h1')]['State']))
        self.assertEqual('up', services[('nova-conductor',
                                         'conductor')]['State'])
        # Boots, scheduled in the API process: h1, the emptiest host with
        # the first name, is skipped.
        a = self.boot('a')
        b = self.boot('b')
        self.assertEqual(('h2', 'h3'), (a.host, b.host))
        # A move, scheduled by the conductor process: h1 would be the
        # emptiest destination of a, but only h3 may take it.
        self.osc('server', 'migrate', '--live-migration', 'a')
        self.wait_migrated('a')
        self.assertEqual('h3', self.wait_settled('a')[
            'OS-EXT-SRV-ATTR:host'])
        refused = self.cloud.openstack(
            '--os-compute-api-version', '2.30', 'server', 'migrate',
            '--live-migration', '--host', 'h1', 'b')
        self.assertNotEqual(0, refused.returncode)
        self.assertIn('disabled', refused.stderr)
        self.assertNotIn('Traceback', refused.stderr)
        # Enabled again: the next boot lands there.
        self.osc('compute', 'service', 'set', '--enable', 'h1',
                 'nova-compute')
        self.assertEqual('h1', self.boot('c').host)
        for inst in (a, b):
            self.assert_runs_once_where_recorded(inst)
        self.assert_consistent()

    def test_forced_down_host_evacuated_then_cleaned(self):
        inst = self.boot('e', host='h1')
        self.osc('compute', 'service', 'set', '--down', 'h1',
                 'nova-compute')
        self.assertEqual('down', self.services()[('nova-compute',
                                                  'h1')]['State'])
        self.osc('server', 'evacuate', '--host', 'h3', 'e')
        shown = self.wait_settled('e')
        self.assertEqual(('ACTIVE', 'h3'), (shown['status'],
                                            shown['OS-EXT-SRV-ATTR:host']))
        # h1's service still runs: the old guest is there until the
        # operator takes the forced-down flag back ...
        self.assertIn('h1', self.cloud.where(inst.uuid))
        self.osc('compute', 'service', 'set', '--up', 'h1', 'nova-compute')
        # ... which the compute process sees in its next heartbeat.
        multinode.wait_for('the evacuated guest to be gone from h1',
                           lambda: 'h1' not in self.cloud.where(inst.uuid),
                           timeout=30)
        self.assertEqual(('evacuation', STATUS.COMPLETED), (
            self.migration_of(inst).migration_type,
            self.migration_of(inst).status))
        self.assert_runs_once_where_recorded(inst)
        self.assertEqual('h3', inst.host)
        self.assert_consistent()
