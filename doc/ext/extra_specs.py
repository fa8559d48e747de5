# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""``.. extra-specs::``: the flavor and image keys the service validates.

The table is built from the validators the API uses
(``nova.api.validation.extra_specs.validators.all_validators``), so the
documentation cannot drift from what is enforced.
"""

from docutils import nodes
from docutils.parsers import rst
from docutils import statemachine
from sphinx.util import nodes as sphinx_nodes

from nova.api.validation.extra_specs import base
from nova.api.validation.extra_specs import validators

_KIND = {'flavor': 'flavor extra spec', 'image': 'image property'}


def _value_rule(validator):
    if validator.type == base.BOOLEAN:
        return 'boolean'
    if validator.type == base.INTEGER:
        if validator.min is not None:
            return 'integer, at least %d' % validator.min
        return 'integer'
    if validator.enum:
        return 'one of %s' % ', '.join('``%s``' % v for v in validator.enum)
    if validator.pattern_help:
        return validator.pattern_help
    if validator.pattern:
        return 'string matching ``%s``' % validator.pattern
    return 'string'


def _cell(text):
    # Each cell is one paragraph; continuation lines must be indented.
    return ' '.join(str(text).split())


def table_lines():
    lines = [
        '.. list-table::',
        '   :header-rows: 1',
        '   :widths: 30 15 20 35',
        '',
        '   * - Key',
        '     - Set on',
        '     - Value',
        '     - Meaning',
    ]
    for kind, key, validator in validators.all_validators():
        lines += [
            '   * - ``%s``' % key,
            '     - %s' % _KIND.get(kind, kind),
            '     - %s' % _cell(_value_rule(validator)),
            '     - %s' % _cell(validator.description),
        ]
    return lines


class ExtraSpecsDirective(rst.Directive):
    has_content = False

    def run(self):
        source = self.state.document.current_source
        content = statemachine.StringList()
        for number, line in enumerate(table_lines()):
            content.append(line, source, number)
        node = nodes.section()
        node.document = self.state.document
        sphinx_nodes.nested_parse_with_titles(self.state, content, node)
        return node.children


def setup(app):
    app.add_directive('extra-specs', ExtraSpecsDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
