"""The alembic revisions: upgrade path, agreement with the models, errors."""

import os

from alembic import autogenerate
from alembic import command
from alembic.runtime import migration as alembic_runtime
from alembic import script as alembic_script
import fixtures
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova.db import migration
from nova.db import models
from nova import exception
from nova import test
from nova.tests import fixtures as nova_fixtures

INITIAL = '8f2a1c6d9b30'
MIGRATION_CONTEXT = 'c4e5d7a1b2f9'
SERVICES = 'd81e0b6f5a27'
PURPOSE = 'e3a9c5b71d04'
API_STATE = 'f5b2c8e0a6d3'
TOKENS_DOUBLE = 'b6e1d4a8f273'
HOST_DRAINS = 'c8d2f5a9e4b1'
HEAD = HOST_DRAINS
INSTANCE_UUID = '8b4d6c5e-2a55-4bd7-9b63-6a3c3c0e9f11'


def _columns(engine, table):
    return {column['name'] for column in sa.inspect(engine).get_columns(
        table)}


def _diff(connection):
    return autogenerate.compare_metadata(
        alembic_runtime.MigrationContext.configure(connection),
        models.Base.metadata)


class FileDatabaseTestCase(test.NoDBTestCase):
    """Revisions applied to a SQLite file in a temporary directory."""

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'nova.sqlite')
        self.url = 'sqlite:///' + self.path

    def engine(self):
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        self.addCleanup(engine.dispose)
        return engine


class UpgradeTestCase(FileDatabaseTestCase):

    def test_revisions(self):
        script = alembic_script.ScriptDirectory.from_config(
            migration.alembic_config())
        self.assertEqual([HOST_DRAINS, TOKENS_DOUBLE, API_STATE, PURPOSE,
                          SERVICES, MIGRATION_CONTEXT, INITIAL],
                         [rev.revision for rev in script.walk_revisions()])
        self.assertEqual(HEAD, migration.head_revision())

    def test_purpose_added_to_existing_migrations(self):
        migration.db_sync(self.url, SERVICES)
        engine = self.engine()
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO migrations (uuid, status) VALUES "
                "('6b1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f', 'completed')"))
        self.assertEqual(PURPOSE, migration.db_sync(self.url, PURPOSE))
        self.assertIn('purpose', _columns(engine, 'migrations'))
        with engine.begin() as conn:
            rows = conn.execute(sa.text(
                'SELECT status, purpose FROM migrations')).fetchall()
        # Old rows keep their data; their purpose is unknown (the default).
        self.assertEqual([('completed', None)], [tuple(r) for r in rows])

    def test_api_state_keeps_services_and_names_them(self):
        migration.db_sync(self.url, PURPOSE)
        engine = self.engine()
        with engine.begin() as conn:
            for host in ('h1', 'h2'):
                conn.execute(sa.text(
                    "INSERT INTO services (host, \"binary\", report_count, "
                    "forced_down) VALUES (:host, 'nova-compute', 3, :down)"),
                    {'host': host, 'down': host == 'h2'})
        self.assertEqual(API_STATE, migration.db_sync(self.url, API_STATE))
        with engine.begin() as conn:
            rows = conn.execute(sa.text(
                'SELECT host, report_count, forced_down, disabled, '
                'disabled_reason, uuid FROM services ORDER BY host')).all()
        # Old rows keep their data, stay enabled and get distinct uuids.
        self.assertEqual([('h1', 3, False, False, None),
                          ('h2', 3, True, False, None)],
                         [tuple(r)[:5] for r in rows])
        uuids = [r[5] for r in rows]
        self.assertTrue(all(uuidutils.is_uuid_like(u) for u in uuids))
        self.assertEqual(2, len(set(uuids)))
        for table in ('flavors', 'images', 'api_tokens'):
            self.assertIn('id', _columns(engine, table))

    def test_token_times_become_double_precision(self):
        migration.db_sync(self.url, API_STATE)
        engine = self.engine()
        issued = 1795991399.134185
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO api_tokens (token_hash, user_name, issued_at, "
                "expires_at) VALUES ('h', 'admin', :i, :x)"),
                {'i': issued, 'x': issued + 3600})
        self.assertEqual(TOKENS_DOUBLE,
                         migration.db_sync(self.url, TOKENS_DOUBLE))
        types = {c['name']: c['type'] for c in sa.inspect(engine).get_columns(
            'api_tokens')}
        for name in ('issued_at', 'expires_at'):
            self.assertIsInstance(types[name], sa.Double, name)
        with engine.begin() as conn:
            row = conn.execute(sa.text(
                'SELECT token_hash, issued_at, expires_at FROM api_tokens')
            ).one()
        # The token survives with its times to the microsecond.
        self.assertEqual(('h', issued, issued + 3600), tuple(row))

    def test_empty_database_has_no_revision(self):
        self.assertIsNone(migration.db_version(self.url))

    def test_initial_then_migration_context_keeps_rows(self):
        self.assertEqual(INITIAL, migration.db_sync(self.url, INITIAL))
        self.assertEqual(INITIAL, migration.db_version(self.url))
        engine = self.engine()
        self.assertEqual({'id', 'instance_uuid', 'flavor', 'numa_topology',
                          'resources'}, _columns(engine, 'instance_extra'))
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO instances (uuid, host, system_metadata) "
                "VALUES (:uuid, 'src', '{}')"), {'uuid': INSTANCE_UUID})
            conn.execute(sa.text(
                "INSERT INTO instance_extra (instance_uuid, flavor) "
                "VALUES (:uuid, '{\"vcpus\": 2}')"), {'uuid': INSTANCE_UUID})

        self.assertEqual(HEAD, migration.db_sync(self.url))

        self.assertEqual(HEAD, migration.db_version(self.url))
        self.assertIn('migration_context', _columns(engine, 'instance_extra'))
        with engine.connect() as conn:
            self.assertEqual(
                [(INSTANCE_UUID, 'src', '{"vcpus": 2}', None)],
                conn.execute(sa.text(
                    'SELECT i.uuid, i.host, e.flavor, e.migration_context '
                    'FROM instances i JOIN instance_extra e '
                    'ON e.instance_uuid = i.uuid')).all())

    def test_sync_twice_is_harmless(self):
        migration.db_sync(self.url)
        self.assertEqual(HEAD, migration.db_sync(self.url))

    def test_default_url_is_the_database_connection_option(self):
        self.flags(group='database', connection=self.url)
        self.assertEqual(HEAD, migration.db_sync())
        self.assertEqual(HEAD, migration.db_version())
        self.assertTrue(os.path.exists(self.path))


class SchemaTestCase(FileDatabaseTestCase):

    def test_head_matches_models(self):
        migration.db_sync(self.url)
        with self.engine().connect() as conn:
            self.assertEqual([], _diff(conn))

    def test_comparison_sees_a_missing_column(self):
        # The check above would be worthless if the comparison saw nothing.
        migration.db_sync(self.url, INITIAL)
        with self.engine().connect() as conn:
            diff = _diff(conn)
        seen = sorted((d[0], d[2], d[3].name) if d[0] == 'add_column'
                      else (d[0], d[1].name, None) for d in diff)
        self.assertEqual(
            [('add_column', 'instance_extra', 'migration_context'),
             ('add_column', 'migrations', 'purpose'),
             ('add_index', 'api_tokens_expires_at_idx', None),
             ('add_table', 'api_tokens', None),
             ('add_table', 'flavors', None),
             ('add_table', 'host_drains', None),
             ('add_table', 'images', None),
             ('add_table', 'services', None)], seen)

    def test_fixture_database_is_at_head(self):
        db = self.useFixture(nova_fixtures.Database())
        with db.engine.connect() as conn:
            self.assertEqual(HEAD, migration.current_revision(conn))
            self.assertEqual([], _diff(conn))


class AlembicConfigTestCase(FileDatabaseTestCase):

    def test_percent_in_url_survives_configparser(self):
        url = 'mysql+pymysql://nova:p%40ss%25word@db.example/nova'
        config = migration.alembic_config(url)
        self.assertEqual(url, config.get_main_option('sqlalchemy.url'))

    def test_alembic_commands_connect_to_the_url(self):
        # Without a connection handed over, env.py connects to
        # sqlalchemy.url; '%40' in it is '@' in the directory name.
        base = self.useFixture(fixtures.TempDir()).path
        os.mkdir(os.path.join(base, 'a@b'))
        url = 'sqlite:///%s/a%%40b/nova.sqlite' % base
        command.upgrade(migration.alembic_config(url), 'head')
        self.assertTrue(os.path.exists(os.path.join(base, 'a@b',
                                                    'nova.sqlite')))
        self.assertEqual(HEAD, migration.db_version(url))

    def test_offline_mode_refused(self):
        self.assertRaisesRegex(
            RuntimeError, 'Offline', command.upgrade,
            migration.alembic_config(self.url), 'head', sql=True)

    def test_script_location_does_not_depend_on_cwd(self):
        cwd = os.getcwd()
        self.addCleanup(os.chdir, cwd)
        os.chdir(os.path.dirname(self.path))
        self.assertEqual(HEAD, migration.db_sync(self.url))


class ErrorsTestCase(FileDatabaseTestCase):

    def test_unknown_revision(self):
        exc = self.assertRaises(exception.DBSyncFailed, migration.db_sync,
                                self.url, 'nope')
        self.assertEqual(
            "Could not upgrade the database at %s to nope: Can't locate "
            "revision identified by 'nope'" % self.url, str(exc))

    def test_unreachable_database(self):
        url = 'sqlite:///%s/missing/nova.sqlite' % os.path.dirname(self.path)
        exc = self.assertRaises(exception.DBSyncFailed, migration.db_sync,
                                url)
        self.assertIn('unable to open database file', str(exc))
        exc = self.assertRaises(exception.DBSyncFailed, migration.db_version,
                                url)
        self.assertEqual('Could not read the revision of the database at '
                         '%s: unable to open database file' % url, str(exc))

    def test_bad_url_password_masked(self):
        for url in ('nodb://nova:s3cret@db/nova',
                    'mysql+nodriver://nova:s3cret@db/nova'):
            exc = self.assertRaises(exception.DBSyncFailed,
                                    migration.db_sync, url)
            self.assertIn('nova:***@db', str(exc))
            self.assertNotIn('s3cret', str(exc))

    def test_unparsable_url(self):
        exc = self.assertRaises(exception.DBSyncFailed, migration.db_sync,
                                'not a url')
        self.assertIn('Could not parse SQLAlchemy URL', str(exc))

    def test_safe_url(self):
        self.assertEqual('mysql+pymysql://nova:***@db/nova',
                         migration.safe_url(
                             'mysql+pymysql://nova:s3cret@db/nova'))
        self.assertEqual('not a url', migration.safe_url('not a url'))
