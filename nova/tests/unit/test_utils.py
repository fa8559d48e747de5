import ddt

from nova import test
from nova import utils


@ddt.ddt
class ParseBooleanTestCase(test.NoDBTestCase):

    @ddt.data(('true', True), ('TRUE', True), (' Yes', True), ('on', True),
              ('1', True), (1, True), (True, True), ('false', False),
              ('Off', False), ('n', False), (0, False), (False, False))
    @ddt.unpack
    def test_accepted(self, value, expected):
        self.assertIs(expected, utils.parse_boolean(value))

    @ddt.data('ture', '', 'none', 2, -1, 1.0, None, b'true', [], {})
    def test_refused(self, value):
        exc = self.assertRaises(ValueError, utils.parse_boolean, value)
        self.assertEqual(utils.BOOLEAN_RULE, str(exc))


class ShortenTestCase(test.NoDBTestCase):

    def test_short_text_unchanged(self):
        self.assertEqual('hosts.a', utils.shorten('hosts.a'))
        self.assertEqual("'x'", utils.short_repr('x'))

    def test_long_text_cut_with_its_length(self):
        text = utils.shorten('y' * 100000)
        self.assertEqual('y' * utils.ECHO_LIMIT + '... (100000 characters)',
                         text)

    def test_long_repr(self):
        self.assertEqual("'" + 'z' * 9 + '... (1002 characters)',
                         utils.short_repr('z' * 1000, limit=10))

    def test_line_breaks_kept_on_one_line(self):
        self.assertEqual('a\\nb\\rc', utils.shorten('a\nb\rc'))
        self.assertNotIn('\n', utils.shorten('q\n' * 500))
