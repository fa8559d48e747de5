"""Reading YAML strictly: duplicate keys, alias bombs, size, encoding."""

import ddt

from nova.scenario import yaml_loader
from nova import test


def _bomb(levels, fan=10):
    """The "billion laughs": ``fan ** levels`` values in a few lines."""
    lines = ['a0: &a0 [%s]' % ', '.join(['lol'] * fan)]
    for level in range(1, levels + 1):
        lines.append('a%d: &a%d [%s]' % (level, level, ', '.join(
            ['*a%d' % (level - 1)] * fan)))
    return '\n'.join(lines) + '\n'


@ddt.ddt
class LoadTestCase(test.NoDBTestCase):

    def assertRefused(self, text, key, reason):
        exc = self.assertRaises(yaml_loader.YAMLRefused, yaml_loader.load,
                                text)
        self.assertEqual(key, exc.key)
        self.assertIn(reason, exc.reason)
        return exc

    def test_plain_document(self):
        self.assertEqual({'hosts': {'a': {}, 'b': {'vcpus': 4}}},
                         yaml_loader.load('hosts: {a: {}, b: {vcpus: 4}}\n'))

    def test_duplicate_key_named_with_both_lines(self):
        self.assertRefused(
            'hosts:\n  a:\n    memory_mb: 1024\n    memory_mb: 2048\n',
            'hosts.a.memory_mb',
            'duplicate key at line 4, column 5 (first at line 3, column 5)'
            ': YAML would silently keep only the last value')

    def test_duplicate_top_level_key(self):
        self.assertRefused('steps: []\nhosts: {}\nsteps: []\n', 'steps',
                           'duplicate key at line 3')

    def test_duplicate_in_a_list_item(self):
        self.assertRefused('steps:\n  - wait: 1\n  - {wait: 2, wait: 3}\n',
                           'steps[1].wait', 'duplicate key')

    def test_same_key_in_two_mappings_is_fine(self):
        self.assertEqual({'a': {'x': 1}, 'b': {'x': 2}},
                         yaml_loader.load('a: {x: 1}\nb: {x: 2}\n'))

    def test_merge_key_may_be_overridden(self):
        # ``<<`` merges defaults that an explicit key replaces: not a
        # duplicate.
        data = yaml_loader.load(
            'base: &base {vcpus: 1, memory_mb: 512}\n'
            'flavors:\n  big: {<<: *base, memory_mb: 4096}\n')
        self.assertEqual({'vcpus': 1, 'memory_mb': 4096},
                         data['flavors']['big'])

    def test_aliases_within_the_limit(self):
        data = yaml_loader.load(_bomb(3))
        self.assertEqual(10, len(data['a3']))
        self.assertEqual(['lol'] * 10, data['a3'][0][0][0])

    @ddt.data(4, 9, 30)
    def test_alias_bomb_refused(self, levels):
        # Up to 10 ** 31 values if anything expanded it; the check counts
        # each anchored value once, so the refusal costs as much as the
        # text.  a4 (line 5) is the first value past 100000.
        self.assertRefused(_bomb(levels), 'line 5, column 5',
                           'the document expands to more than 100000 '
                           'values')

    def test_recursive_alias_refused(self):
        self.assertRefused('a: &a [x, *a]\n', 'line 1, column 4',
                           'an alias refers to a value that contains it')

    def test_recursive_mapping_refused(self):
        self.assertRefused('a: &a {b: *a}\n', 'line 1, column 4',
                           'contains it')

    def test_nested_too_deeply(self):
        self.assertRefused('a: ' + '[' * 20000 + ']' * 20000, '(file)',
                           'nested too deeply')

    def test_invalid_yaml_has_a_position(self):
        self.assertRefused('a: [1, 2\n', 'line 2, column 1',
                           'not valid YAML')

    def test_python_tags_refused(self):
        # Still a safe loader: no object is ever built from a tag.
        self.assertRefused('a: !!python/object/apply:os.system [ls]\n',
                           'line 1, column 4', 'not valid YAML')


class DecodeTestCase(test.NoDBTestCase):

    def test_utf8(self):
        self.assertEqual('note: café\n',
                         yaml_loader.decode('note: café\n'.encode()))

    def test_not_utf8_names_line_and_byte(self):
        exc = self.assertRaises(yaml_loader.YAMLRefused, yaml_loader.decode,
                                b'hosts:\n  a: {}\n  b: {} # \xff\xfe\n')
        self.assertEqual('line 3', exc.key)
        self.assertEqual('not UTF-8 text (byte 0xff at offset 25)',
                         exc.reason)

    def test_latin1_file(self):
        exc = self.assertRaises(yaml_loader.YAMLRefused, yaml_loader.decode,
                                'note: café\n'.encode('latin-1'))
        self.assertIn('not UTF-8 text (byte 0xe9', exc.reason)

    def test_too_large(self):
        exc = self.assertRaises(
            yaml_loader.YAMLRefused, yaml_loader.decode,
            b'#' * (yaml_loader.MAX_FILE_BYTES + 1))
        self.assertEqual('(file)', exc.key)
        self.assertIn('larger than 1048576 bytes', exc.reason)
