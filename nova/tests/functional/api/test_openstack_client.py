"""The unmodified openstack CLI, in-process, against the REST API.

Every command operators use for live migration, with its refusals, and
the state behind it: instances, migration records, Placement
allocations and the consistency audit.
"""

from nova.objects import fields
from nova.tests.functional.api import base
from nova.tests.functional.api import fixtures as api_fixtures

STATUS = fields.MigrationStatus


class FlavorsImagesServersTest(base.ApiTestCase):

    def test_flavor_extra_specs_validated_when_set(self):
        flavor = self.make_flavor('f1')
        self.osc_ok('flavor', 'set', '--property',
                    'compute:live_migration_post_copy=true', flavor)
        err = self.osc_fails('flavor', 'set', '--property',
                             'compute:live_migration_auto_converge=ture',
                             flavor)
        self.assertIn('400', err)
        self.assertIn("compute:live_migration_auto_converge='ture'", err)
        self.assertIn('a boolean must be one of', err)
        # Both features true: refused by the resolver when set.
        err = self.osc_fails('flavor', 'set', '--property',
                             'compute:live_migration_auto_converge=true',
                             flavor)
        self.assertIn('cannot both be set', err)
        shown = self.osc_ok('flavor', 'show', '-f', 'json', 'f1')
        self.assertEqual({'compute:live_migration_post_copy': 'true'},
                         shown['properties'])
        self.assertIn('f1', self.osc_ok('flavor', 'list', '-f', 'value',
                                        '-c', 'Name'))
        self.osc_ok('flavor', 'unset', '--property',
                    'compute:live_migration_post_copy', flavor)
        self.assertEqual({}, self.osc_ok('flavor', 'show', '-f', 'json',
                                         flavor)['properties'])
        err = self.osc_fails('flavor', 'create', '--ram', '1', '--vcpus',
                             '1', '--disk', '1', 'f1')
        self.assertIn('409', err)
        self.osc_ok('flavor', 'delete', flavor)
        self.assertIn('No Flavor found',
                      self.osc_fails('flavor', 'show', 'f1'))

    def test_image_properties_validated_when_set(self):
        image = self.make_image(
            'img1', compute_live_migration_post_copy='false')
        shown = self.osc_ok('image', 'show', '-f', 'json', image)
        self.assertEqual('active', shown['status'])
        self.assertEqual('false', shown['properties'][
            'compute_live_migration_post_copy'])
        err = self.osc_fails('image', 'set', '--property',
                             'compute_live_migration_bogus=1', image)
        self.assertIn('compute_live_migration_bogus', err)
        self.assertIn('unknown key', err)
        self.osc_ok('image', 'set', '--property',
                    'compute_live_migration_auto_converge=yes', image)
        self.assertEqual('yes', self.osc_ok(
            'image', 'show', '-f', 'json', image)['properties'][
                'compute_live_migration_auto_converge'])
        err = self.osc_fails('image', 'create', '--file',
                             self.api.empty_file, '--property',
                             'compute_live_migration_post_copy=maybe', 'bad')
        self.assertIn("compute_live_migration_post_copy='maybe'", err)
        names = self.osc_ok('image', 'list', '-f', 'value', '-c', 'Name')
        self.assertEqual(['img1'], names.split())

    def test_server_lifecycle_and_refusals(self):
        post_copy = self.make_flavor(
            'post-copy', compute__live_migration_post_copy='true')
        no_pc = self.make_image('no-pc',
                                compute_live_migration_post_copy='false')
        plain = self.make_image('plain')
        err = self.osc_fails('server', 'create', '--flavor', post_copy,
                             '--image', no_pc, '--no-network', 'clash')
        self.assertIn('400', err)
        self.assertIn('conflicts with image property', err)
        self.assertEqual([], self.osc_ok('server', 'list', '-f', 'json'))
        self.assertEqual([0], list({
            amount for usages in self.cloud.placement.all_usages().values()
            for amount in usages.values()}))

        uuid = self.api.wait_for('boot', lambda: self.boot(
            's1', post_copy, plain))
        listed = self.osc_ok('server', 'list', '-f', 'json')
        self.assertEqual([('s1', 'ACTIVE', 'plain', 'post-copy')],
                         [(s['Name'], s['Status'], s['Image'], s['Flavor'])
                          for s in listed])
        shown = self.osc_ok('server', 'show', '-f', 'json', 's1')
        instance = self.instance(uuid)
        self.assertEqual(instance.host, shown['OS-EXT-SRV-ATTR:host'])
        self.assertIsNone(shown['OS-EXT-STS:task_state'])
        self.assertEqual({instance.host: {'VCPU': 2, 'MEMORY_MB': 2048,
                                          'DISK_GB': 10}},
                         self.cloud.allocations(uuid))
        policy = self.api.sdk().compute.get(
            '/servers/%s' % uuid).json()['server'][
                'OS-EXT-LM:migration_policy']
        self.assertTrue(policy['post_copy'])
        self.assertEqual('flavor', policy['post_copy_origin'])

        self.assertIn('No Server found for nothing-here',
                      self.osc_fails('server', 'show', 'nothing-here'))
        self.osc_ok('server', 'delete', '--wait', uuid)
        self.assertEqual([], self.osc_ok('server', 'list', '-f', 'json'))
        self.assertEqual({}, self.cloud.allocations(uuid))
        self.assert_consistent()

    def test_network_other_than_none_is_refused(self):
        flavor = self.make_flavor('f')
        image = self.make_image('i')
        err = self.osc_fails('server', 'create', '--flavor', flavor,
                             '--image', image, 'auto-net')
        self.assertIn('no network service', err)


class LiveMigrationTest(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.flavor = self.make_flavor('small')
        self.image = self.make_image('plain')

    def test_live_migration_to_completion(self):
        uuid = self.boot('s1', self.flavor, self.image, host='src')
        self.osc_ok('--os-compute-api-version', '2.30', 'server', 'migrate',
                    '--live-migration', '--host', 'dst', '--block-migration',
                    's1')
        migration = self.wait_status(uuid, STATUS.COMPLETED)
        instance = self.wait_idle(uuid)
        self.assertEqual('dst', instance.host)
        self.assertEqual(('src', 'dst'), (migration.source_compute,
                                          migration.dest_compute))
        self.assertEqual({'dst': {'VCPU': 2, 'MEMORY_MB': 2048,
                                  'DISK_GB': 10}},
                         self.cloud.allocations(uuid))
        self.assertEqual({}, self.cloud.allocations(migration.uuid))
        listed = self.osc_ok('server', 'migration', 'list', '--server', 's1',
                             '-f', 'json')
        self.assertEqual([(migration.uuid, 'completed', 'live-migration')],
                         [(m['UUID'], m['Status'], m['Type'])
                          for m in listed])
        # Not in progress any more.
        err = self.osc_fails('server', 'migration', 'show', 's1',
                             migration.uuid)
        self.assertIn('not found', err.lower())
        self.assert_consistent()

    def test_busy_server_then_abort(self):
        uuid = self.boot('busy', self.flavor, self.image, host='src',
                         workload=base.BUSY)
        # A nearly cut link keeps the migration in its first pass while
        # the test looks (after it, the SLA policy would finish this busy
        # guest by post-copy).
        self.cloud.network.set_link_bandwidth('src', 'dst', 1)
        self.osc_ok('server', 'migrate', '--live-migration', 'busy')
        migration = self.wait_status(uuid, STATUS.RUNNING)
        self.assertEqual('MIGRATING', self.osc_ok(
            'server', 'show', '-f', 'json', 'busy')['status'])
        err = self.osc_fails('server', 'migrate', '--live-migration', 'busy')
        self.assertIn('409', err)
        self.assertIn('migrating', err)
        shown = self.api.wait_for('progress bytes', lambda: (
            lambda m: m['Memory Processed Bytes'] and m)(self.osc_ok(
                'server', 'migration', 'show', 'busy', migration.uuid,
                '-f', 'json')))
        self.assertEqual(2048 * 1024 ** 2, shown['Memory Total Bytes'])
        self.assertEqual('running', shown['Status'])
        in_flight = self.cloud.allocations(migration.uuid)
        self.assertEqual({'src': {'VCPU': 2, 'MEMORY_MB': 2048,
                                  'DISK_GB': 10}}, in_flight)
        self.osc_ok('server', 'migration', 'abort', 'busy', migration.uuid)
        self.wait_status(uuid, STATUS.CANCELLED)
        instance = self.wait_idle(uuid)
        self.assertEqual('src', instance.host)
        self.assertEqual({'src': {'VCPU': 2, 'MEMORY_MB': 2048,
                                  'DISK_GB': 10}},
                         self.cloud.allocations(uuid))
        self.assertEqual({}, self.cloud.allocations(migration.uuid))
        self.assert_consistent()

    def test_abort_refused_in_post_copy(self):
        flavor = self.make_flavor('pc',
                                  compute__live_migration_post_copy='true')
        uuid = self.boot('pc', flavor, self.image, host='src',
                         workload=base.BUSY)
        self.osc_ok('server', 'migrate', '--live-migration', 'pc')
        migration = self.wait_status(uuid, STATUS.RUNNING)
        # A nearly cut link: post-copy cannot end while the test looks.
        self.cloud.network.set_link_bandwidth('src', 'dst', 1)
        self.osc_ok('server', 'migration', 'force', 'complete', 'pc',
                    str(migration.id))
        self.wait_status(uuid, STATUS.POST_COPY)
        err = self.osc_fails('server', 'migration', 'abort', 'pc',
                             str(migration.id))
        self.assertIn('400', err)
        self.assertIn('post-copy mode', err)
        self.assertIn('aborting would lose the guest', err)
        listed = self.osc_ok('server', 'migration', 'list', '--server',
                             'pc', '-f', 'json')
        self.assertEqual('running (post-copy)', listed[0]['Status'])
        err = self.osc_fails('server', 'migration', 'force', 'complete',
                             'pc', str(migration.id))
        self.assertIn('completes on its own', err)
        self.cloud.network.set_link_bandwidth('src', 'dst', 10000)
        self.wait_status(uuid, STATUS.COMPLETED)
        self.assertEqual('dst', self.wait_idle(uuid).host)
        self.assert_consistent()

    def test_unknown_server_and_migration(self):
        self.assertIn('No Server found',
                      self.osc_fails('server', 'migrate', '--live-migration',
                                     'ghost'))
        uuid = self.boot('s', self.flavor, self.image)
        err = self.osc_fails('server', 'migration', 'abort', uuid, '77')
        self.assertIn('404', err)
        err = self.osc_fails('--os-compute-api-version', '2.30', 'server',
                             'migrate', '--live-migration', '--host',
                             'nowhere', uuid)
        self.assertIn('Compute host nowhere could not be found', err)
        self.assertEqual([], self.live_migrations(uuid))


class OperatorCallsTest(base.ApiTestCase):

    HOSTS = {'src': {}, 'dst': {}, 'third': {}}

    def setUp(self):
        super().setUp()
        self.flavor = self.make_flavor('small')
        self.image = self.make_image('plain')

    def test_member_is_refused_operator_calls(self):
        member = api_fixtures.MEMBER
        uuid = self.boot('s', self.flavor, self.image)
        for argv in (('server', 'migrate', '--live-migration', uuid),
                     ('server', 'evacuate', uuid),
                     ('server', 'migration', 'list'),
                     ('compute', 'service', 'list'),
                     ('hypervisor', 'list'),
                     ('flavor', 'create', '--ram', '1', '--vcpus', '1',
                      'nope')):
            err = self.osc_fails(*argv, cloud=member)
            self.assertTrue('403' in err or 'No Server found' in err,
                            '%s: %s' % (argv, err))
        # A member works with its own project: the admin's server is
        # invisible, its own boots.
        self.assertEqual([], self.osc_ok('server', 'list', '-f', 'json',
                                         cloud=member))
        image = self.osc_ok('image', 'create', '--file',
                            self.api.empty_file, '--public', '-f', 'json',
                            'member-image', cloud=member)['id']
        mine = self.osc_ok('server', 'create', '--flavor', self.flavor,
                           '--image', image, '--no-network', '-f', 'json',
                           'mine', cloud=member)['id']
        self.assertEqual('demo', self.instance(mine).project_id)
        err = self.osc_fails('server', 'migrate', '--live-migration', mine,
                             cloud=member)
        self.assertIn('403', err)
        self.assertEqual([], self.live_migrations(mine))

    def test_disable_enable_and_hypervisors(self):
        services = self.osc_ok('compute', 'service', 'list', '-f', 'json')
        self.assertEqual({'src', 'dst', 'third', 'controller'},
                         {s['Host'] for s in services})
        self.osc_ok('compute', 'service', 'set', '--disable',
                    '--disable-reason', 'maintenance', 'src', 'nova-compute')
        self.osc_ok('compute', 'service', 'set', '--disable', 'third',
                    'nova-compute')
        row = [s for s in self.osc_ok('compute', 'service', 'list', '-f',
                                      'json', '--host', 'src')][0]
        self.assertEqual('disabled', row['Status'])
        hypervisors = {h['Hypervisor Hostname']: h for h in self.osc_ok(
            'hypervisor', 'list', '--long', '-f', 'json')}
        self.assertEqual('up', hypervisors['src']['State'])
        # Only dst is enabled: every boot lands there.
        for name in ('a', 'b'):
            self.assertEqual('dst', self.instance(
                self.boot(name, self.flavor, self.image)).host)
        err = self.osc_fails('--os-compute-api-version', '2.30', 'server',
                             'migrate', '--live-migration', '--host', 'src',
                             'a')
        self.assertIn('disabled', err)
        self.osc_ok('compute', 'service', 'set', '--enable', 'src',
                    'nova-compute')
        self.osc_ok('server', 'migrate', '--live-migration', 'a')
        uuid = self.osc_ok('server', 'show', '-f', 'json', 'a')['id']
        self.wait_status(uuid, STATUS.COMPLETED)
        self.assertEqual('src', self.wait_idle(uuid).host)
        self.assert_consistent()

    def test_forced_down_host_is_evacuated(self):
        uuid = self.boot('e', self.flavor, self.image, host='src')
        err = self.osc_fails('server', 'evacuate', 'e')
        self.assertIn('409', err)
        self.assertIn('still in use', err)
        self.osc_ok('compute', 'service', 'set', '--down', 'src',
                    'nova-compute')
        self.assertEqual('down', self.osc_ok(
            'compute', 'service', 'list', '--host', 'src', '-f',
            'json')[0]['State'])
        self.osc_ok('server', 'evacuate', '--host', 'third', 'e')
        instance = self.wait_idle(uuid)
        self.assertEqual(('third', 'active'), (instance.host,
                                               instance.vm_state))
        evacuation = self.live_migrations(uuid)[-1]
        self.assertEqual(('evacuation', 'completed'),
                         (evacuation.migration_type, evacuation.status))
        # The old domain is still on src until its service comes back.
        self.assertIn('src', self.cloud.sim.where(instance))
        self.osc_ok('compute', 'service', 'set', '--up', 'src',
                    'nova-compute')
        self.assertEqual({'third': 1}, {
            k: 1 for k in self.cloud.sim.where(instance)})
        self.assertEqual({'third': {'VCPU': 2, 'MEMORY_MB': 2048,
                                    'DISK_GB': 10}},
                         self.cloud.allocations(uuid))
        self.assert_consistent()
