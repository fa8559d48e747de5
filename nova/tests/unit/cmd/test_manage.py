"""nova-manage db sync / db version, in-process and as a program."""

import io
import os
import subprocess
import sys

import fixtures
from oslo_config import cfg

from nova.cmd import manage
import nova.conf
from nova.db import migration
from nova import test

CONF = nova.conf.CONF
INITIAL = '8f2a1c6d9b30'
HEAD = 'c8d2f5a9e4b1'
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(
    nova.conf.__file__)))


class ManageTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.url = 'sqlite:///%s/nova.sqlite' % self.tmp
        self.conf_file = self.write_conf(self.url)

    def write_conf(self, connection, name='nova.conf'):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as conf:
            conf.write('[database]\nconnection = %s\n' % connection)
        return path

    def manage(self, *argv):
        """Run main(); returns (exit status, stdout, stderr)."""
        out, err = io.StringIO(), io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', out))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        status = manage.main(list(argv))
        return status, out.getvalue(), err.getvalue()

    def assertOneLineError(self, err, *fragments):
        self.assertEqual(1, len(err.splitlines()), err)
        self.assertTrue(err.startswith('ERROR: '), err)
        self.assertNotIn('Traceback', err)
        for fragment in fragments:
            self.assertIn(fragment, err)


class DbSyncTestCase(ManageTestCase):

    def test_sync_to_head(self):
        status, out, err = self.manage('db', 'sync', '--config-file',
                                       self.conf_file)
        self.assertEqual((0, ''), (status, err))
        self.assertEqual('Database at %s is at revision %s (head)\n' % (
            self.url, HEAD), out)
        self.assertEqual(HEAD, migration.db_version(self.url))

    def test_sync_to_a_revision(self):
        status, out, _err = self.manage('--config-file', self.conf_file,
                                        'db', 'sync', INITIAL)
        self.assertEqual(0, status)
        self.assertEqual('Database at %s is at revision %s\n' % (
            self.url, INITIAL), out)
        self.assertEqual(INITIAL, migration.db_version(self.url))

    def test_unknown_revision(self):
        status, out, err = self.manage('db', 'sync', 'abcdef',
                                       '--config-file=%s' % self.conf_file)
        self.assertEqual((2, ''), (status, out))
        self.assertOneLineError(
            err, "VERSION is 'head' or a revision id (or a unique prefix of "
            "one); got 'abcdef': Can't locate revision identified by "
            "'abcdef'")
        # Refused before the database was touched.
        self.assertFalse(os.path.exists(os.path.join(self.tmp,
                                                     'nova.sqlite')))

    def test_bad_versions_refused_before_the_database(self):
        for version in ('', ' ', 'nope', 'base', '+1', 'head-1',
                        'v' * 100000):
            status, out, err = self.manage('db', 'sync', version,
                                           '--config-file', self.conf_file)
            self.assertEqual((2, ''), (status, out), version)
            self.assertOneLineError(err, "VERSION is 'head' or a revision id")
            self.assertLess(len(err), 300)
        self.assertFalse(os.path.exists(os.path.join(self.tmp,
                                                     'nova.sqlite')))

    def test_revision_prefix(self):
        status, out, _err = self.manage('db', 'sync', INITIAL[:4],
                                        '--config-file', self.conf_file)
        self.assertEqual(0, status)
        self.assertEqual(INITIAL, migration.db_version(self.url))

    def test_bad_url_password_masked(self):
        conf_file = self.write_conf('nodb://nova:s3cret@db/nova', 'bad.conf')
        status, out, err = self.manage('db', 'sync', '--config-file',
                                       conf_file)
        self.assertEqual((1, ''), (status, out))
        self.assertOneLineError(err, 'nodb://nova:***@db/nova')
        self.assertNotIn('s3cret', err)

    def test_unreachable_database(self):
        conf_file = self.write_conf(
            'sqlite:///%s/missing/nova.sqlite' % self.tmp, 'bad.conf')
        status, _out, err = self.manage('db', 'sync', '--config-file',
                                        conf_file)
        self.assertEqual(1, status)
        self.assertOneLineError(err, 'unable to open database file')

    def test_missing_config_file(self):
        status, _out, err = self.manage(
            'db', 'sync', '--config-file', os.path.join(self.tmp, 'nope'))
        self.assertEqual(2, status)
        self.assertOneLineError(err, 'Failed to find some config files: ',
                                'nope')

    def test_broken_config_file(self):
        path = os.path.join(self.tmp, 'broken.conf')
        with open(path, 'w') as handle:
            handle.write('[database\nconnection = x\n')
        status, _out, err = self.manage('db', 'version', '--config-file',
                                        path)
        self.assertEqual(2, status)
        self.assertOneLineError(err, 'broken.conf')


class DbVersionTestCase(ManageTestCase):

    def test_version(self):
        self.assertEqual((0, 'None\n', ''), self.manage(
            'db', 'version', '--config-file', self.conf_file))
        migration.db_sync(self.url, INITIAL)
        self.assertEqual((0, INITIAL + '\n', ''), self.manage(
            'db', 'version', '--config-file', self.conf_file))

    def test_bad_url(self):
        conf_file = self.write_conf('not a url', 'bad.conf')
        status, out, err = self.manage('db', 'version', '--config-file',
                                       conf_file)
        self.assertEqual((1, ''), (status, out))
        self.assertOneLineError(err, 'Could not read the revision')


class CommandLineTestCase(ManageTestCase):

    def test_global_options_moved_first(self):
        self.assertEqual(
            ['--config-file', 'a', '--config-dir=d', 'db', 'sync', 'v'],
            manage._globals_first(['db', 'sync', '--config-file', 'a', 'v',
                                   '--config-dir=d']))
        self.assertEqual(['db', 'sync', '--config-file'],
                         manage._globals_first(['db', 'sync',
                                                '--config-file']))

    def test_usage_errors_are_one_line(self):
        for argv, words in (
                (['db'], 'nova-manage db: the following arguments are '
                         'required: ACTION (see nova-manage --help)'),
                ([], 'the following arguments are required: category'),
                (['foo'], "argument category: invalid choice: 'foo'"),
                (['db', 'sync', 'a', 'b'], 'unrecognized arguments: b'),
                (['db', 'version', '--bogus'],
                 'unrecognized arguments: --bogus')):
            status, out, err = self.manage(*argv)
            self.assertEqual((2, ''), (status, out), argv)
            self.assertOneLineError(err, words)
            self.assertNotIn('usage:', err)

    def test_help_still_printed(self):
        exc = self.assertRaises(SystemExit, self.manage, '--help')
        self.assertEqual(0, exc.code)

    def test_command_line_not_left_registered(self):
        self.manage('db', 'version', '--config-file', self.conf_file)
        # Another command parsing the global CONF sees no sub-command.
        CONF([], project='nova', default_config_files=[])
        self.assertRaises(cfg.NoSuchOptError, getattr, CONF, 'category')


class ProgramTestCase(ManageTestCase):
    """``python -m nova.cmd.manage``, from an unrelated directory."""

    def run_manage(self, *argv):
        env = dict(os.environ, PYTHONPATH=REPO_ROOT)
        return subprocess.run(
            [sys.executable, '-m', 'nova.cmd.manage'] + list(argv),
            cwd=self.tmp, env=env, capture_output=True, text=True,
            timeout=120)

    def test_sync(self):
        result = self.run_manage('db', 'sync', '--config-file',
                                 self.conf_file)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('Database at %s is at revision %s (head)\n' % (
            self.url, HEAD), result.stdout)
        self.assertEqual(HEAD, migration.db_version(self.url))

    def test_empty_revision(self):
        result = self.run_manage('db', 'sync', '', '--config-file',
                                 self.conf_file)
        self.assertEqual((2, ''), (result.returncode, result.stdout))
        self.assertOneLineError(result.stderr, "got ''")
