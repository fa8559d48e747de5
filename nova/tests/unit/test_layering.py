"""The rooms of the house import only what they may (ARCHITECTURE.md)."""

import ast
import os

from nova import test

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))


def _imports(package):
    """{module path: [imported module names]} of a package's modules."""
    found = {}
    for root, _dirs, files in os.walk(os.path.join(TOP, package)):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = os.path.join(root, name)
            with open(path) as f:
                tree = ast.parse(f.read(), path)
            names = []
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.extend(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names.extend('%s.%s' % (node.module, alias.name)
                                 for alias in node.names)
            found[os.path.relpath(path, TOP)] = names
    return found


class LayeringTestCase(test.NoDBTestCase):

    def _assert_never(self, package, forbidden):
        bad = ['%s imports %s' % (path, name)
               for path, names in sorted(_imports(package).items())
               for name in names if name.startswith(forbidden)]
        self.assertEqual([], bad)

    def test_services_talk_to_the_driver_interface_only(self):
        for package in ('compute', 'conductor', 'scheduler'):
            self._assert_never(package, 'nova.virt.libvirt')

    def test_the_libvirt_driver_knows_no_scheduler(self):
        # (nova.compute.power_state, plain constants, is shared.)
        self._assert_never(os.path.join('virt', 'libvirt'),
                           ('nova.scheduler', 'nova.conductor'))
