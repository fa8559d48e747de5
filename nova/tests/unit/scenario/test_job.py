"""The run job's output directory and its checks before a run."""

import os

import ddt
import fixtures

from nova import exception
from nova.scenario import job
from nova import test


class OutputTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def assertUnusable(self, path, reason):
        output = job.Output(path)
        exc = self.assertRaises(exception.OutputUnusable, output.prepare)
        self.assertIsInstance(exc, exception.Invalid)
        self.assertEqual('Cannot write the results to %s: %s.' % (
            os.path.abspath(path), reason), str(exc))

    def test_new_directory_created(self):
        path = os.path.join(self.tmp, 'a', 'b')
        output = job.Output(path)
        output.prepare()
        self.assertTrue(os.path.isdir(path))
        self.assertTrue(output.created)
        self.assertEqual([], os.listdir(path))  # the probe is gone

    def test_existing_directory_kept(self):
        output = job.Output(self.tmp)
        output.prepare()
        self.assertFalse(output.created)
        output.discard()
        self.assertTrue(os.path.isdir(self.tmp))

    def test_a_file(self):
        path = os.path.join(self.tmp, 'results')
        open(path, 'w').close()
        self.assertUnusable(path, 'it exists and is not a directory')

    def test_a_dangling_link(self):
        path = os.path.join(self.tmp, 'link')
        os.symlink(os.path.join(self.tmp, 'nowhere'), path)
        self.assertUnusable(path, 'it exists and is not a directory')

    def test_below_a_file(self):
        parent = os.path.join(self.tmp, 'file')
        open(parent, 'w').close()
        self.assertUnusable(os.path.join(parent, 'out'),
                            'it cannot be created: Not a directory')

    def test_not_writable(self):
        # Even root cannot create a file in /proc.
        self.assertUnusable('/proc', 'no file can be written in it: No such '
                                     'file or directory')

    def test_discard_removes_only_what_it_created_empty(self):
        path = os.path.join(self.tmp, 'new')
        output = job.Output(path)
        output.prepare()
        output.discard()
        self.assertFalse(os.path.exists(path))
        output = job.Output(path)
        output.prepare()
        open(os.path.join(path, 'theirs'), 'w').close()
        output.discard()
        self.assertTrue(os.path.exists(os.path.join(path, 'theirs')))

    def test_discard_keeps_written_results(self):
        path = os.path.join(self.tmp, 'new')
        output = job.Output(path)
        output.prepare()
        output.written = True
        output.discard()
        self.assertTrue(os.path.isdir(path))


@ddt.ddt
class UnboundedHostsTestCase(test.NoDBTestCase):

    @ddt.data(
        ({}, []),
        ({'live_migration_completion_timeout': 0}, ['a']),
        ({'live_migration_completion_timeout': 0,
          'live_migration_progress_timeout': 60}, []),
    )
    @ddt.unpack
    def test_hosts_whose_monitor_never_ends(self, options, expected):
        scenario = {'hosts': {'a': {'libvirt': options}, 'b': {}}}
        self.assertEqual(expected, job.unbounded_hosts(scenario))

    def test_from_the_configuration(self):
        self.flags(group='libvirt', live_migration_completion_timeout=0)
        self.assertEqual(['a', 'b'], job.unbounded_hosts(
            {'hosts': {'a': {}, 'b': {}}}))
