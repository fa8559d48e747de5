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
