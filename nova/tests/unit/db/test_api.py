"""nova.db.api on a fresh database per test."""

import os
import threading

import fixtures
from oslo_db import exception as db_exc
from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools

from nova import context
from nova.db import api
from nova.db import migration
from nova import exception
from nova import test
from nova.tests import fixtures as nova_fixtures

FINAL = ('completed', 'failed', 'error', 'cancelled')
IN_PROGRESS = ('queued', 'accepted', 'preparing', 'running', 'post-copy')
EMPTY_EXTRA = {'flavor': None, 'numa_topology': None, 'resources': None,
               'migration_context': None}


class DBTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.db = self.useFixture(nova_fixtures.Database())
        self.ctxt = context.get_admin_context()

    def count(self, table):
        with self.db.engine.connect() as conn:
            return conn.execute(sa.text(
                'SELECT count(*) FROM %s' % table)).scalar()


def _instance_values(**kw):
    values = {'uuid': uuidutils.generate_uuid(), 'display_name': 'vm',
              'project_id': 'p', 'user_id': 'u', 'host': 'src',
              'node': 'src-node', 'vm_state': 'active', 'task_state': None,
              'image_ref': 'img', 'system_metadata': '{"a": "b"}'}
    values.update(kw)
    return values


class InstanceTestCase(DBTestCase):

    def test_create_and_get(self):
        values = _instance_values(extra={'flavor': '{"vcpus": 2}'})
        created = api.instance_create(self.ctxt, values)

        self.assertIsInstance(created['id'], int)
        self.assertIsNotNone(created['created_at'])
        self.assertIsNone(created['updated_at'])
        self.assertEqual(dict(EMPTY_EXTRA, flavor='{"vcpus": 2}'),
                         created['extra'])
        fetched = api.instance_get_by_uuid(self.ctxt, values['uuid'])
        self.assertEqual(created, fetched)
        for key in ('uuid', 'host', 'node', 'system_metadata', 'image_ref'):
            self.assertEqual(values[key], fetched[key])

    def test_create_always_makes_the_extra_row(self):
        created = api.instance_create(self.ctxt, _instance_values())
        self.assertEqual(EMPTY_EXTRA, created['extra'])
        self.assertEqual(1, self.count('instance_extra'))

    def test_create_does_not_change_the_values_given(self):
        values = _instance_values(extra={'resources': '[]'})
        api.instance_create(self.ctxt, values)
        self.assertEqual({'resources': '[]'}, values['extra'])

    def test_duplicate_uuid(self):
        values = _instance_values()
        api.instance_create(self.ctxt, values)
        self.assertRaises(db_exc.DBDuplicateEntry, api.instance_create,
                          self.ctxt, values)
        self.assertEqual(1, self.count('instances'))

    def test_get_not_found(self):
        exc = self.assertRaises(exception.InstanceNotFound,
                                api.instance_get_by_uuid, self.ctxt, 'nope')
        self.assertEqual('Instance nope could not be found on the database.',
                         str(exc))

    def test_update(self):
        uuid = api.instance_create(self.ctxt, _instance_values())['uuid']
        updated = api.instance_update(self.ctxt, uuid, {
            'host': 'dst', 'node': 'dst-node', 'task_state': 'migrating'})
        self.assertEqual(('dst', 'dst-node', 'migrating', 'active'),
                         (updated['host'], updated['node'],
                          updated['task_state'], updated['vm_state']))
        self.assertIsNotNone(updated['updated_at'])
        self.assertEqual(updated, api.instance_get_by_uuid(self.ctxt, uuid))

    def test_update_extra_changes_only_the_keys_given(self):
        uuid = api.instance_create(self.ctxt, _instance_values(
            extra={'flavor': 'F', 'numa_topology': 'N', 'resources': 'R'}))[
                'uuid']
        updated = api.instance_update(self.ctxt, uuid, {
            'extra': {'migration_context': 'M', 'numa_topology': None}})
        expected = {'flavor': 'F', 'numa_topology': None, 'resources': 'R',
                    'migration_context': 'M'}
        self.assertEqual(expected, updated['extra'])
        self.assertEqual(expected,
                         api.instance_get_by_uuid(self.ctxt, uuid)['extra'])
        self.assertEqual(1, self.count('instance_extra'))

    def test_update_recreates_a_missing_extra_row(self):
        uuid = api.instance_create(self.ctxt, _instance_values())['uuid']
        with self.db.engine.begin() as conn:
            conn.execute(sa.text('DELETE FROM instance_extra'))
        self.assertEqual(EMPTY_EXTRA,
                         api.instance_get_by_uuid(self.ctxt, uuid)['extra'])
        updated = api.instance_update(self.ctxt, uuid,
                                      {'extra': {'flavor': 'F'}})
        self.assertEqual(dict(EMPTY_EXTRA, flavor='F'), updated['extra'])

    def test_update_not_found(self):
        self.assertRaises(exception.InstanceNotFound, api.instance_update,
                          self.ctxt, 'nope', {'host': 'x'})

    def test_unknown_columns_refused(self):
        uuid = api.instance_create(self.ctxt, _instance_values())['uuid']
        exc = self.assertRaises(ValueError, api.instance_update, self.ctxt,
                                uuid, {'hots': 'x'})
        self.assertEqual('instances has no column hots', str(exc))
        exc = self.assertRaises(ValueError, api.instance_create, self.ctxt,
                                _instance_values(extra={'flavour': 'x'}))
        self.assertEqual('instance_extra has no column flavour', str(exc))
        self.assertEqual(1, self.count('instances'))

    def test_get_all_and_by_host(self):
        uuids = [api.instance_create(self.ctxt, _instance_values(host=host))[
            'uuid'] for host in ('a', 'b', 'a')]
        self.assertEqual(uuids, [i['uuid'] for i in api.instance_get_all(
            self.ctxt)])
        self.assertEqual([uuids[0], uuids[2]], [
            i['uuid'] for i in api.instance_get_all_by_host(self.ctxt, 'a')])
        self.assertEqual([], api.instance_get_all_by_host(self.ctxt, 'c'))
        self.assertEqual(EMPTY_EXTRA, api.instance_get_all(self.ctxt)[0][
            'extra'])

    def test_destroy(self):
        keep = api.instance_create(self.ctxt, _instance_values())['uuid']
        uuid = api.instance_create(self.ctxt, _instance_values())['uuid']
        api.migration_create(self.ctxt, {'instance_uuid': uuid})

        api.instance_destroy(self.ctxt, uuid)

        self.assertRaises(exception.InstanceNotFound,
                          api.instance_get_by_uuid, self.ctxt, uuid)
        self.assertEqual([keep], [i['uuid'] for i in api.instance_get_all(
            self.ctxt)])
        self.assertEqual(1, self.count('instance_extra'))
        self.assertEqual(1, len(api.migration_get_all_by_instance(self.ctxt,
                                                                  uuid)))
        self.assertRaises(exception.InstanceNotFound, api.instance_destroy,
                          self.ctxt, uuid)


def _migration_values(**kw):
    values = {'instance_uuid': 'inst', 'migration_type': 'live-migration',
              'status': 'running', 'source_compute': 'src',
              'source_node': 'src-node', 'dest_compute': 'dst',
              'dest_node': 'dst-node'}
    values.update(kw)
    return values


class MigrationTestCase(DBTestCase):

    def test_create_and_get(self):
        created = api.migration_create(self.ctxt, _migration_values(
            memory_total=8 * 1024 ** 4))
        self.assertIsInstance(created['id'], int)
        self.assertTrue(uuidutils.is_uuid_like(created['uuid']))
        self.assertEqual(8 * 1024 ** 4, created['memory_total'])
        self.assertIsNone(created['disk_total'])
        self.assertIsNotNone(created['created_at'])
        self.assertEqual(created, api.migration_get(self.ctxt, created['id']))
        self.assertEqual(created, api.migration_get_by_uuid(
            self.ctxt, created['uuid']))

    def test_create_keeps_a_given_uuid(self):
        uuid = uuidutils.generate_uuid()
        self.assertEqual(uuid, api.migration_create(
            self.ctxt, _migration_values(uuid=uuid))['uuid'])

    def test_update(self):
        migration_id = api.migration_create(
            self.ctxt, _migration_values())['id']
        updated = api.migration_update(self.ctxt, migration_id, {
            'status': 'completed', 'memory_processed': 100,
            'memory_remaining': 0})
        self.assertEqual(('completed', 100, 0), (
            updated['status'], updated['memory_processed'],
            updated['memory_remaining']))
        self.assertIsNotNone(updated['updated_at'])
        self.assertEqual(updated, api.migration_get(self.ctxt, migration_id))

    def test_not_found(self):
        for call, args in ((api.migration_get, (42,)),
                           (api.migration_get_by_uuid, ('nope',)),
                           (api.migration_update, (42, {'status': 'x'}))):
            exc = self.assertRaises(exception.MigrationNotFound, call,
                                    self.ctxt, *args)
            self.assertEqual('Migration %s could not be found.' % args[0],
                             str(exc))

    def test_get_all_by_instance(self):
        ids = [api.migration_create(self.ctxt, _migration_values(
            instance_uuid=inst))['id'] for inst in ('a', 'b', 'a')]
        self.assertEqual([ids[0], ids[2]], [
            m['id'] for m in api.migration_get_all_by_instance(self.ctxt,
                                                               'a')])
        self.assertEqual([], api.migration_get_all_by_instance(self.ctxt,
                                                               'c'))

    def _in_progress(self, host='src', node='src-node'):
        return api.migration_get_in_progress_by_host_and_node(
            self.ctxt, host, node)

    def test_in_progress_excludes_each_final_status(self):
        for status in FINAL + IN_PROGRESS:
            api.migration_create(self.ctxt, _migration_values(status=status))
        for host, node in (('src', 'src-node'), ('dst', 'dst-node')):
            self.assertEqual(
                list(IN_PROGRESS),
                [m['status'] for m in self._in_progress(host, node)])

    def test_in_progress_from_either_side(self):
        leaving = api.migration_create(self.ctxt, _migration_values(
            source_compute='h', source_node='n'))['id']
        entering = api.migration_create(self.ctxt, _migration_values(
            dest_compute='h', dest_node='n'))['id']
        self.assertEqual([leaving, entering],
                         [m['id'] for m in self._in_progress('h', 'n')])

    def test_in_progress_needs_host_and_node_on_the_same_side(self):
        for values in ({'source_compute': 'h', 'source_node': 'other'},
                       {'dest_compute': 'other', 'dest_node': 'n'},
                       {'source_compute': 'h', 'dest_node': 'n'},
                       {'dest_compute': 'h', 'source_node': 'n'}):
            api.migration_create(self.ctxt, _migration_values(**values))
        self.assertEqual([], self._in_progress('h', 'n'))
        self.assertEqual(4, self.count('migrations'))

    def test_concurrent_creates_all_land(self):
        # 20 threads on the shared in-memory database at the same moment;
        # without serialization their statements interleave on its single
        # connection and transactions fail.
        threads, per_thread = 20, 5
        barrier = threading.Barrier(threads)
        errors = []

        def claim(n):
            ctxt = context.get_admin_context()
            barrier.wait()
            try:
                for i in range(per_thread):
                    row = api.migration_create(ctxt, _migration_values(
                        instance_uuid='inst-%d' % n, status='accepted'))
                    api.migration_update(ctxt, row['id'], {
                        'status': 'running', 'memory_total': i})
            except Exception as exc:
                errors.append(exc)

        workers = [threading.Thread(target=claim, args=(n,))
                   for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

        self.assertEqual([], errors)
        rows = self._in_progress()
        self.assertEqual(threads * per_thread, len(rows))
        self.assertEqual(threads * per_thread, len({m['id'] for m in rows}))
        self.assertEqual({'running'}, {m['status'] for m in rows})
        for n in range(threads):
            self.assertEqual(list(range(per_thread)), [
                m['memory_total'] for m in api.migration_get_all_by_instance(
                    self.ctxt, 'inst-%d' % n)])


def _node_values(**kw):
    values = {'host': 'src', 'hypervisor_hostname': 'src-node', 'vcpus': 8,
              'memory_mb': 16384, 'local_gb': 100,
              'cpu_allocation_ratio': 4.0, 'ram_allocation_ratio': 1.5,
              'disk_allocation_ratio': 1.0, 'reserved_host_memory_mb': 512}
    values.update(kw)
    return values


class ComputeNodeTestCase(DBTestCase):

    def test_create_and_get(self):
        created = api.compute_node_create(self.ctxt, _node_values())
        self.assertTrue(uuidutils.is_uuid_like(created['uuid']))
        self.assertEqual(1.5, created['ram_allocation_ratio'])
        self.assertEqual(created, api.compute_node_get_by_host_and_nodename(
            self.ctxt, 'src', 'src-node'))

    def test_update(self):
        node_id = api.compute_node_create(self.ctxt, _node_values())['id']
        updated = api.compute_node_update(self.ctxt, node_id, {
            'vcpus': 16, 'cpu_allocation_ratio': 2.0})
        self.assertEqual((16, 2.0, 16384), (
            updated['vcpus'], updated['cpu_allocation_ratio'],
            updated['memory_mb']))
        self.assertIsNotNone(updated['updated_at'])
        self.assertEqual([updated], api.compute_node_get_all(self.ctxt))

    def test_not_found(self):
        exc = self.assertRaises(exception.ComputeHostNotFound,
                                api.compute_node_get_by_host_and_nodename,
                                self.ctxt, 'src', 'nope')
        self.assertEqual('Compute host src (node nope) could not be found.',
                         str(exc))
        exc = self.assertRaises(exception.ComputeHostNotFound,
                                api.compute_node_update, self.ctxt, 42,
                                {'vcpus': 1})
        self.assertIn('id 42', str(exc))

    def test_host_and_nodename_unique(self):
        api.compute_node_create(self.ctxt, _node_values())
        api.compute_node_create(self.ctxt, _node_values(
            hypervisor_hostname='other'))
        self.assertRaises(db_exc.DBDuplicateEntry, api.compute_node_create,
                          self.ctxt, _node_values())
        self.assertEqual(['src-node', 'other'], [
            n['hypervisor_hostname']
            for n in api.compute_node_get_all(self.ctxt)])


class ServiceTestCase(DBTestCase):

    def test_created_with_a_uuid_and_enabled(self):
        created = api.service_create(self.ctxt, {'host': 'h1',
                                                 'binary': 'nova-compute'})
        self.assertTrue(uuidutils.is_uuid_like(created['uuid']))
        self.assertEqual((False, None, False), (
            created['disabled'], created['disabled_reason'],
            created['forced_down']))
        self.assertEqual(created, api.service_get_by_uuid(self.ctxt,
                                                          created['uuid']))
        self.assertIsNone(api.service_get_by_uuid(self.ctxt, 'nope'))

    def test_update_by_uuid_returns_both_sides(self):
        created = api.service_create(self.ctxt, {'host': 'h1',
                                                 'binary': 'nova-compute'})
        old, new = api.service_update_by_uuid(
            self.ctxt, created['uuid'], {'disabled': True,
                                         'disabled_reason': 'maintenance'})
        self.assertEqual((False, True, 'maintenance'), (
            old['disabled'], new['disabled'], new['disabled_reason']))
        self.assertEqual(new, api.service_get_by_host_and_binary(
            self.ctxt, 'h1', 'nova-compute'))
        self.assertEqual((None, None), api.service_update_by_uuid(
            self.ctxt, 'nope', {'disabled': True}))
        self.assertRaises(ValueError, api.service_update_by_uuid, self.ctxt,
                          created['uuid'], {'colour': 'red'})

    def test_heartbeat_reads_the_settings_back(self):
        created = api.service_create(self.ctxt, {'host': 'h1',
                                                 'binary': 'nova-compute'})
        api.service_update_by_uuid(self.ctxt, created['uuid'],
                                   {'forced_down': True})
        row = api.service_heartbeat(self.ctxt, created['id'])
        self.assertEqual((1, True), (row['report_count'],
                                     row['forced_down']))


def _flavor_values(**kw):
    values = {'flavorid': 'f1', 'name': 'small', 'vcpus': 1,
              'memory_mb': 512, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
              'is_public': True, 'extra_specs': '{}'}
    values.update(kw)
    return values


class ApiRowsTestCase(DBTestCase):
    """Flavors, images and tokens of the compute API."""

    def test_flavors(self):
        created = api.flavor_create(self.ctxt, _flavor_values())
        api.flavor_create(self.ctxt, _flavor_values(flavorid='f2',
                                                    name='big'))
        self.assertEqual(created, api.flavor_get(self.ctxt, 'f1'))
        self.assertEqual(created, api.flavor_get_by_name(self.ctxt,
                                                         'small'))
        self.assertEqual(['f1', 'f2'], [
            f['flavorid'] for f in api.flavor_get_all(self.ctxt)])
        for clash in ({'flavorid': 'f1', 'name': 'other'},
                      {'flavorid': 'f3', 'name': 'small'}):
            self.assertRaises(db_exc.DBDuplicateEntry, api.flavor_create,
                              self.ctxt, _flavor_values(**clash))
        updated = api.flavor_update(self.ctxt, 'f1',
                                    {'extra_specs': '{"a": "b"}'})
        self.assertEqual('{"a": "b"}', updated['extra_specs'])
        self.assertIsNone(api.flavor_update(self.ctxt, 'nope', {}))
        self.assertTrue(api.flavor_destroy(self.ctxt, 'f1'))
        self.assertFalse(api.flavor_destroy(self.ctxt, 'f1'))
        self.assertIsNone(api.flavor_get(self.ctxt, 'f1'))

    def test_images(self):
        uuid = uuidutils.generate_uuid()
        api.image_create(self.ctxt, uuid, '{"id": "x"}')
        self.assertRaises(db_exc.DBDuplicateEntry, api.image_create,
                          self.ctxt, uuid, '{}')
        api.image_update(self.ctxt, uuid, '{"id": "y"}')
        self.assertEqual(['{"id": "y"}'], [
            i['document'] for i in api.image_get_all(self.ctxt)])
        with api.writer(self.ctxt):
            self.assertEqual('{"id": "y"}', api.image_get(
                self.ctxt, uuid, for_update=True)['document'])
        self.assertTrue(api.image_destroy(self.ctxt, uuid))
        self.assertIsNone(api.image_get(self.ctxt, uuid))

    def _token(self, n, expires_at):
        return api.api_token_create(self.ctxt, {
            'token_hash': '%064d' % n, 'user_name': 'admin',
            'issued_at': 0.0, 'expires_at': expires_at})

    def test_tokens_purged_when_expired_or_too_many(self):
        for n in range(5):
            self._token(n, 100.0 + n)
        self.assertEqual('admin', api.api_token_get(
            self.ctxt, '%064d' % 4)['user_name'])
        # At 101.5 two have expired; of the other three two are kept.
        self.assertEqual(3, api.api_token_purge(self.ctxt, 101.5, 2))
        self.assertEqual([None, None, None], [
            api.api_token_get(self.ctxt, '%064d' % n) for n in range(3)])
        self.assertEqual(2, self.count('api_tokens'))
        self.assertTrue(api.api_token_destroy(self.ctxt, '%064d' % 4))
        self.assertFalse(api.api_token_destroy(self.ctxt, '%064d' % 4))


class TransactionTestCase(DBTestCase):

    def test_calls_join_an_open_transaction(self):
        with testtools.ExpectedException(RuntimeError):
            with api.writer(self.ctxt):
                api.migration_create(self.ctxt, _migration_values())
                self.assertEqual(1, len(api.migration_get_all_by_instance(
                    self.ctxt, 'inst')))
                raise RuntimeError('roll back')
        self.assertEqual([], api.migration_get_all_by_instance(self.ctxt,
                                                               'inst'))

    def test_other_threads_wait_for_an_open_transaction(self):
        # The in-memory database is one connection: a reader in another
        # thread must not run inside (and see) this uncommitted transaction.
        seen = []

        def read():
            seen.append(len(api.migration_get_all_by_instance(
                context.get_admin_context(), 'inst')))

        reader = threading.Thread(target=read)
        with api.writer(self.ctxt):
            api.migration_create(self.ctxt, _migration_values())
            reader.start()
            reader.join(0.2)
            self.assertTrue(reader.is_alive())
            self.assertEqual([], seen)
        reader.join()
        self.assertEqual([1], seen)

    def test_failed_call_leaves_nothing(self):
        uuid = api.instance_create(self.ctxt, _instance_values())['uuid']
        self.assertRaises(ValueError, api.instance_update, self.ctxt, uuid,
                          {'host': 'dst', 'extra': {'bogus': 'x'}})
        self.assertRaises(ValueError, api.instance_update, self.ctxt, uuid,
                          {'host': 'dst', 'bogus': 'x'})
        self.assertEqual('src', api.instance_get_by_uuid(self.ctxt, uuid)[
            'host'])


class DatabaseFixtureTestCase(DBTestCase):

    def test_each_fixture_has_its_own_database(self):
        api.compute_node_create(self.ctxt, _node_values())
        inner = nova_fixtures.Database()
        inner.setUp()
        try:
            self.assertEqual([], api.compute_node_get_all(self.ctxt))
            api.instance_create(self.ctxt, _instance_values())
        finally:
            inner.cleanUp()
        self.assertEqual(1, len(api.compute_node_get_all(self.ctxt)))
        self.assertEqual([], api.instance_get_all(self.ctxt))


class LazyConfigurationTestCase(test.NoDBTestCase):
    """Without the fixture, the API opens [database] connection itself."""

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'nova.sqlite')
        self.url = 'sqlite:///' + self.path
        migration.db_sync(self.url)
        # A fresh, unstarted copy of the module's transaction factory.
        manager = api.context_manager.make_new_manager()
        self.addCleanup(manager.dispose_pool)
        self.addCleanup(api.context_manager.patch_factory(manager))
        self.flags(group='database', connection=self.url)
        self.ctxt = context.get_admin_context()

    def test_uses_the_configured_file(self):
        uuid = api.instance_create(self.ctxt, _instance_values())['uuid']
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        self.addCleanup(engine.dispose)
        with engine.connect() as conn:
            self.assertEqual([uuid], conn.execute(sa.text(
                'SELECT uuid FROM instances')).scalars().all())

    def test_threads_on_a_file_database(self):
        errors = []
        barrier = threading.Barrier(10)

        def create(n):
            barrier.wait()
            try:
                for _ in range(3):
                    api.compute_node_create(self.ctxt, _node_values(
                        hypervisor_hostname='node-%d-%d' % (n, _)))
            except Exception as exc:
                errors.append(exc)

        workers = [threading.Thread(target=create, args=(n,))
                   for n in range(10)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        self.assertEqual([], errors)
        self.assertEqual(30, len(api.compute_node_get_all(self.ctxt)))


class HostDrainTestCase(DBTestCase):

    def _values(self, conductor, state='running'):
        return {'conductor': conductor, 'state': state, 'report': '{}'}

    def test_first_drain_inserts_once(self):
        self.assertIsNone(api.host_drain_get(self.ctxt, 'h1'))
        self.assertTrue(api.host_drain_start(
            self.ctxt, 'h1', self._values('c1')))
        # A second conductor that also found no row loses.
        self.assertFalse(api.host_drain_start(
            self.ctxt, 'h1', self._values('c2')))
        self.assertEqual('c1', api.host_drain_get(self.ctxt, 'h1')[
            'conductor'])

    def test_replace_only_what_was_read(self):
        api.host_drain_start(self.ctxt, 'h1', self._values('c1', 'drained'))
        read = {'conductor': 'c1', 'state': 'drained'}
        self.assertTrue(api.host_drain_start(
            self.ctxt, 'h1', self._values('c2'), read))
        # The row changed since it was read: the stale request loses.
        self.assertFalse(api.host_drain_start(
            self.ctxt, 'h1', self._values('c3'), read))
        self.assertEqual('c2', api.host_drain_get(self.ctxt, 'h1')[
            'conductor'])

    def test_update_only_by_the_running_conductor(self):
        api.host_drain_start(self.ctxt, 'h1', self._values('c1'))
        self.assertFalse(api.host_drain_update(
            self.ctxt, 'h1', 'c2', self._values('c2', 'partial')))
        self.assertTrue(api.host_drain_update(
            self.ctxt, 'h1', 'c1', self._values('c1', 'drained')))
        self.assertEqual('drained', api.host_drain_get(self.ctxt, 'h1')[
            'state'])
        self.assertFalse(api.host_drain_update(
            self.ctxt, 'nowhere', 'c1', self._values('c1')))

    def test_running_drains_of_a_conductor(self):
        api.host_drain_start(self.ctxt, 'h1', self._values('c1'))
        api.host_drain_start(self.ctxt, 'h2', self._values('c1', 'drained'))
        api.host_drain_start(self.ctxt, 'h3', self._values('c2'))
        self.assertEqual(['h1'], [r['host'] for r in
                                  api.host_drain_get_all_by_conductor(
                                      self.ctxt, 'c1', 'running')])
