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

"""Sphinx configuration of the nova live-migration control plane docs."""

import os
import sys

# doc/ext holds the project's own Sphinx extensions.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                '..', 'ext')))

# -- General configuration ---------------------------------------------------

extensions = [
    # .. show-options:: and the :oslo.config:option: role.
    'oslo_config.sphinxext',
    # .. extra-specs:: (the table of validated flavor and image keys).
    'extra_specs',
]

source_suffix = {'.rst': 'restructuredtext'}
root_doc = 'index'

project = 'nova live-migration control plane'
copyright = 'the nova live-migration control plane authors'
author = 'the nova live-migration control plane authors'

exclude_patterns = []
pygments_style = 'sphinx'

# -- Options for HTML output -------------------------------------------------

html_theme = 'alabaster'
html_theme_options = {
    'description': 'Per-instance live-migration policy for the libvirt '
                   'driver',
    'fixed_sidebar': True,
}
html_static_path = []
