import json
from unittest import mock

import ddt
from oslo_concurrency import processutils

from nova import exception
from nova.objects import resource
from nova import test
from nova.virt.libvirt import vpmem

GiB = 1024 ** 3
MiB = 1024 ** 2
RP = '9b3bd4a4-0e2c-4f8b-8c0e-2b1e3f6e7c11'
INSTANCE = 'c0ffee00-0000-4000-8000-000000000001'
RC_6GB = 'CUSTOM_PMEM_NAMESPACE_6GB'
RC_LARGE = 'CUSTOM_PMEM_NAMESPACE_LARGE'


def ndctl_namespace(name, chardev, size=6 * GiB, align=2 * MiB,
                    mode='devdax'):
    entry = {'dev': 'namespace' + chardev[3:], 'mode': mode,
             'size': size, 'uuid': '0d1e2f30-0000-4000-8000-0000000000aa',
             'daxregion': {'id': 0, 'size': size, 'align': align,
                           'devices': [{'chardev': chardev, 'size': size,
                                        'mode': mode}]},
             'align': align}
    if name is not None:
        entry['name'] = name
    return entry


class FakeRunner(object):
    """Answers commands from a table; records what was run."""

    def __init__(self, outputs=None, failures=None):
        self.outputs = outputs or {}
        self.failures = failures or {}
        self.calls = []

    def __call__(self, *argv):
        self.calls.append(argv)
        cmd = ' '.join(argv)
        if cmd in self.failures:
            raise exception.PmemCommandFailed(cmd=cmd,
                                              reason=self.failures[cmd])
        return self.outputs.get(cmd, '')


def ndctl_runner(*namespaces):
    return FakeRunner({'ndctl list -X': json.dumps(list(namespaces))})


def device(label, name, devpath, size=6 * GiB, align=2 * MiB):
    return resource.LibvirtVPMEMDevice(label=label, name=name, size=size,
                                       devpath=devpath, align=align)


@ddt.ddt
class ParsePmemNamespacesTestCase(test.NoDBTestCase):

    @ddt.data(
        ([], {}),
        (None, {}),
        (['6GB:ns0'], {'6GB': ['ns0']}),
        (['6GB:ns0|ns1', 'LARGE:ns3'], {'6GB': ['ns0', 'ns1'],
                                        'LARGE': ['ns3']}),
        ([' SMALL : ns2 | ns1 ', ''], {'SMALL': ['ns2', 'ns1']}),
        ('6GB:ns0|ns1,LARGE:ns3', {'6GB': ['ns0', 'ns1'], 'LARGE': ['ns3']}),
        (['Z:n9|n1', 'A:n5'], {'Z': ['n9', 'n1'], 'A': ['n5']}),
    )
    @ddt.unpack
    def test_valid(self, values, expected):
        result = vpmem.parse_pmem_namespaces(values)
        self.assertEqual(expected, result)
        self.assertEqual(list(expected), list(result))

    @ddt.data(
        (['6GB'], '6GB', "no ':'"),
        (['6GB:ns0', 'LARGEns3'], 'LARGEns3', "no ':'"),
        ([':ns0'], ':ns0', 'label before the colon is empty'),
        (['6GB:'], '6GB:', 'empty namespace name'),
        (['6GB:ns0||ns1'], '6GB:ns0||ns1', 'empty namespace name'),
        (['6-GB:ns0'], '6-GB:ns0', "label '6-GB' may only contain letters"),
        (['6GB:ns0:ns1'], '6GB:ns0:ns1', "exactly one ':'"),
        (['6GB:ns0|ns0'], '6GB:ns0|ns0',
         'namespace ns0 is listed twice (under label 6GB and label 6GB)'),
        (['6GB:ns0', 'LARGE:ns1|ns0'], 'LARGE:ns1|ns0',
         'namespace ns0 is listed twice (under label 6GB and label LARGE)'),
        (['6GB:ns0', '6GB:ns1'], '6GB:ns1', 'label 6GB is listed twice'),
        (['large:ns0', 'LARGE:ns1'], 'LARGE:ns1',
         'labels large and LARGE both give the resource class '
         'CUSTOM_PMEM_NAMESPACE_LARGE'),
    )
    @ddt.unpack
    def test_invalid(self, values, entry, reason):
        exc = self.assertRaises(exception.PmemNamespaceConfigInvalid,
                                vpmem.parse_pmem_namespaces, values)
        self.assertIn('[libvirt] pmem_namespaces %r' % entry, str(exc))
        self.assertIn(reason, str(exc))


@ddt.ddt
class DefaultRunnerTestCase(test.NoDBTestCase):

    @mock.patch.object(processutils, 'execute',
                       return_value=('[]\n', 'warning'))
    def test_returns_stdout(self, execute):
        self.assertEqual('[]\n', vpmem.default_runner('ndctl', 'list', '-X'))
        execute.assert_called_once_with('ndctl', 'list', '-X')

    @ddt.data(
        (processutils.ProcessExecutionError(
            stderr='ndctl: Permission denied\n', exit_code=1),
         'The command ndctl list -X failed: ndctl: Permission denied'),
        (processutils.ProcessExecutionError(stderr='', exit_code=3),
         'The command ndctl list -X failed: exit status 3 without error '
         'output'),
        (FileNotFoundError(2, 'No such file or directory', 'ndctl'),
         "The command ndctl list -X failed: [Errno 2] No such file or "
         "directory: 'ndctl'"),
    )
    @ddt.unpack
    def test_failure(self, error, message):
        with mock.patch.object(processutils, 'execute', side_effect=error):
            exc = self.assertRaises(exception.PmemCommandFailed,
                                    vpmem.default_runner, 'ndctl', 'list',
                                    '-X')
        self.assertEqual(message, str(exc))


@ddt.ddt
class DiscoverTestCase(test.NoDBTestCase):

    def test_list(self):
        runner = ndctl_runner(
            ndctl_namespace('ns0', 'dax0.0'),
            ndctl_namespace('ns1', 'dax1.0', size=3 * GiB, align=1 * GiB))
        self.assertEqual({'ns0': (6 * GiB, '/dev/dax0.0', 2 * MiB),
                          'ns1': (3 * GiB, '/dev/dax1.0', 1 * GiB)},
                         vpmem.discover(runner))
        self.assertEqual([('ndctl', 'list', '-X')], runner.calls)
        # ndctl prints a lone namespace as an object, not a list.
        runner.outputs['ndctl list -X'] = json.dumps(
            ndctl_namespace('ns0', 'dax0.0'))
        self.assertEqual(['ns0'], list(vpmem.discover(runner)))

    @ddt.data('', '\n', '[]')
    def test_nothing(self, output):
        self.assertEqual({}, vpmem.discover(
            FakeRunner({'ndctl list -X': output})))

    def test_only_named_devdax(self):
        fsdax = ndctl_namespace('fs', 'dax2.0', mode='fsdax')
        del fsdax['daxregion']
        runner = ndctl_runner(ndctl_namespace('ns0', 'dax0.0'),
                              ndctl_namespace(None, 'dax1.0'),
                              ndctl_namespace('', 'dax3.0'), fsdax)
        self.assertEqual(['ns0'], list(vpmem.discover(runner)))

    @ddt.data(
        ('{"dev": ', 'the output is not JSON'),
        ('"namespace0.0"', 'expected a JSON list or object of namespaces, '
                           'got str'),
        ('[1]', 'a namespace entry is not a JSON object: 1'),
    )
    @ddt.unpack
    def test_bad_output(self, output, reason):
        exc = self.assertRaises(exception.PmemCommandFailed, vpmem.discover,
                                FakeRunner({'ndctl list -X': output}))
        self.assertIn('The command ndctl list -X failed: ' + reason,
                      str(exc))

    @ddt.data(
        (lambda ns: ns.pop('daxregion'), 'has no daxregion.devices entry'),
        (lambda ns: ns['daxregion'].update(devices=[]),
         'has no daxregion.devices entry'),
        (lambda ns: ns['daxregion']['devices'][0].pop('chardev'),
         'has no chardev'),
        (lambda ns: ns['daxregion']['devices'][0].update(size='6G'),
         "has size='6G'; a positive integer is expected"),
        (lambda ns: ns['daxregion']['devices'][0].update(size=True),
         'has size=True'),
        (lambda ns: ns['daxregion'].update(align=0),
         'has daxregion.align=0'),
    )
    @ddt.unpack
    def test_malformed_namespace(self, break_it, reason):
        namespace = ndctl_namespace('ns0', 'dax0.0')
        break_it(namespace)
        exc = self.assertRaises(exception.PmemCommandFailed, vpmem.discover,
                                ndctl_runner(namespace))
        self.assertIn('devdax namespace ns0 ' + reason, str(exc))

    def test_size_falls_back_to_namespace(self):
        namespace = ndctl_namespace('ns0', 'dax0.0', size=4 * GiB)
        del namespace['daxregion']['devices'][0]['size']
        self.assertEqual((4 * GiB, '/dev/dax0.0', 2 * MiB),
                         vpmem.discover(ndctl_runner(namespace))['ns0'])

    def test_duplicate_name(self):
        exc = self.assertRaises(exception.PmemCommandFailed, vpmem.discover,
                                ndctl_runner(ndctl_namespace('ns0', 'dax0.0'),
                                             ndctl_namespace('ns0', 'dax1.0')))
        self.assertIn('two devdax namespaces are named ns0 (namespace0.0 '
                      'and namespace1.0); names must be unique', str(exc))

    def test_command_failure_propagates(self):
        runner = FakeRunner(failures={'ndctl list -X': 'no such bus'})
        exc = self.assertRaises(exception.PmemCommandFailed, vpmem.discover,
                                runner)
        self.assertIn('no such bus', str(exc))


class GetVpmemsTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.runner = ndctl_runner(
            ndctl_namespace('ns0', 'dax0.0'),
            ndctl_namespace('ns1', 'dax0.1'),
            ndctl_namespace('ns3', 'dax1.0', size=100 * GiB, align=1 * GiB),
            ndctl_namespace('spare', 'dax1.1'))

    def test_devices_by_label(self):
        result = vpmem.get_vpmems(['6GB:ns1|ns0', 'LARGE:ns3'], self.runner)
        self.assertEqual(['6GB', 'LARGE'], list(result))
        self.assertEqual([('6GB', 'ns1', '/dev/dax0.1', 6 * GiB, 2 * MiB),
                          ('6GB', 'ns0', '/dev/dax0.0', 6 * GiB, 2 * MiB)],
                         [(d.label, d.name, d.devpath, d.size, d.align)
                          for d in result['6GB']])
        large = result['LARGE'][0]
        self.assertEqual((resource.LibvirtVPMEMDevice, 100 * GiB, 1 * GiB),
                         (type(large), large.size, large.align))

    def test_ndctl_not_run_for_empty_or_invalid_option(self):
        self.assertEqual({}, vpmem.get_vpmems([], self.runner))
        self.assertEqual({}, vpmem.get_vpmems(None, self.runner))
        self.assertRaises(exception.PmemNamespaceConfigInvalid,
                          vpmem.get_vpmems, ['6GB'], self.runner)
        self.assertEqual([], self.runner.calls)

    def test_missing_namespace(self):
        exc = self.assertRaises(exception.PmemNamespaceConfigInvalid,
                                vpmem.get_vpmems,
                                ['6GB:ns0|ns9', 'LARGE:ns3|ns8'],
                                self.runner)
        self.assertIn("pmem_namespaces '6GB:ns0|ns9,LARGE:ns3|ns8'", str(exc))
        self.assertIn('namespace(s) ns9, ns8 not found on this host: '
                      '`ndctl list -X` reports these named devdax '
                      'namespaces: ns0, ns1, ns3, spare', str(exc))


class InventoryTestCase(test.NoDBTestCase):

    def test_one_class_per_label(self):
        by_label = {'6GB': [device('6GB', 'ns0', '/dev/dax0.0'),
                            device('6GB', 'ns1', '/dev/dax0.1')],
                    'LARGE': [device('LARGE', 'ns3', '/dev/dax1.0')]}
        inv = vpmem.inventory(by_label)
        self.assertEqual({RC_6GB, RC_LARGE}, set(inv))
        self.assertEqual({'total': 2, 'max_unit': 2, 'min_unit': 1,
                          'step_size': 1, 'reserved': 0,
                          'allocation_ratio': 1.0}, inv[RC_6GB])
        self.assertEqual((1, 1), (inv[RC_LARGE]['total'],
                                  inv[RC_LARGE]['max_unit']))

    def test_empty(self):
        self.assertEqual({}, vpmem.inventory({'6GB': []}))


@ddt.ddt
class AssignTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.by_label = {
            '6GB': [device('6GB', 'ns0', '/dev/dax0.0'),
                    device('6GB', 'ns1', '/dev/dax0.1'),
                    device('6GB', 'ns2', '/dev/dax0.2')],
            'LARGE': [device('LARGE', 'ns3', '/dev/dax1.0', size=100 * GiB)],
        }

    def assign(self, labels, allocated, in_use=()):
        return vpmem.assign(INSTANCE, 'host1', labels, self.by_label, RP,
                            allocated, set(in_use))

    def test_in_flavor_order(self):
        result = self.assign(['LARGE', '6GB', '6GB'],
                             {RC_6GB: 2, RC_LARGE: 1, 'VCPU': 2,
                              'MEMORY_MB': 2048})
        self.assertIsInstance(result, resource.ResourceList)
        self.assertEqual([(RP, RC_LARGE, 'ns3'), (RP, RC_6GB, 'ns0'),
                          (RP, RC_6GB, 'ns1')], [r.key for r in result])
        self.assertEqual(['/dev/dax1.0', '/dev/dax0.0', '/dev/dax0.1'],
                         [d.devpath for d in result.vpmems])
        self.assertEqual(['LARGE', '6GB', '6GB'],
                         [d.label for d in result.vpmems])
        self.assertEqual(100 * GiB, result.vpmems[0].size)

    def test_skips_namespaces_in_use(self):
        result = self.assign(['6GB'], {RC_6GB: 1}, in_use={'ns0', 'ns3'})
        self.assertEqual(['ns1'], [r.identifier for r in result])

    def test_deterministic(self):
        first = self.assign(['6GB', '6GB'], {RC_6GB: 2}, in_use={'ns1'})
        again = self.assign(['6GB', '6GB'], {RC_6GB: 2}, in_use={'ns1'})
        self.assertEqual(['ns0', 'ns2'], [r.identifier for r in first])
        self.assertEqual([r.key for r in first], [r.key for r in again])

    def test_metadata_is_a_copy(self):
        result = self.assign(['6GB'], {RC_6GB: 1})
        result.vpmems[0].devpath = '/dev/changed'
        self.assertEqual('/dev/dax0.0', self.by_label['6GB'][0].devpath)

    def test_label_matched_by_resource_class(self):
        result = self.assign(['large'], {RC_LARGE: 1})
        self.assertEqual(['ns3'], [r.identifier for r in result])
        self.assertEqual('LARGE', result.vpmems[0].label)

    def test_nothing_asked(self):
        self.assertEqual(0, len(self.assign([], {'VCPU': 1})))

    @ddt.data(
        (['6GB', '6GB'], {RC_6GB: 1},
         'Placement allocated 1 of %s on this host but the flavor '
         '(hw:pmem=6GB,6GB) asks for 2' % RC_6GB),
        (['6GB'], {RC_6GB: 2},
         'Placement allocated 2 of %s on this host but the flavor '
         '(hw:pmem=6GB) asks for 1' % RC_6GB),
        (['6GB'], {},
         'Placement allocated 0 of %s' % RC_6GB),
        (['6GB'], {RC_6GB: 1, RC_LARGE: 1},
         'Placement allocated 1 of %s on this host but the flavor '
         '(hw:pmem=6GB) asks for 0' % RC_LARGE),
        ([], {RC_LARGE: 1}, 'Placement allocated 1 of %s' % RC_LARGE),
    )
    @ddt.unpack
    def test_allocation_mismatch(self, labels, allocated, reason):
        exc = self.assertRaises(exception.VPMEMAssignmentFailed, self.assign,
                                labels, allocated)
        self.assertIn('Cannot assign vPMEM namespaces to instance %s on '
                      'host1: ' % INSTANCE, str(exc))
        self.assertIn(reason, str(exc))

    def test_not_enough_free(self):
        exc = self.assertRaises(exception.VPMEMAssignmentFailed, self.assign,
                                ['6GB', '6GB', 'LARGE'],
                                {RC_6GB: 2, RC_LARGE: 1},
                                in_use={'ns0', 'ns2'})
        self.assertIn('not enough free namespaces: label 6GB (%s): wanted '
                      '2, free 1 (ns1)' % RC_6GB, str(exc))
        self.assertNotIn('LARGE', str(exc).split('free namespaces:')[1])

    @ddt.data(
        ('LARGE', {'ns3'}, 'wanted 1, free 0 (none)'),
        ('HUGE', (), 'wanted 1, free 0 (none: the label is not configured '
                     'on this host)'),
    )
    @ddt.unpack
    def test_none_free(self, label, in_use, reason):
        rc = 'CUSTOM_PMEM_NAMESPACE_' + label
        exc = self.assertRaises(exception.VPMEMAssignmentFailed, self.assign,
                                [label], {rc: 1}, in_use=in_use)
        self.assertIn('label %s (%s): %s' % (label, rc, reason), str(exc))


class ZeroTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.devices = [device('6GB', 'ns%d' % i, '/dev/dax0.%d' % i)
                        for i in range(3)]

    def test_zeroes_each(self):
        runner = FakeRunner()
        self.assertIsNone(vpmem.zero(runner, self.devices))
        self.assertEqual([('daxio', '-z', '-o', '/dev/dax0.0'),
                          ('daxio', '-z', '-o', '/dev/dax0.1'),
                          ('daxio', '-z', '-o', '/dev/dax0.2')],
                         runner.calls)
        vpmem.zero(runner, [])
        self.assertEqual(3, len(runner.calls))

    def test_tries_all_then_raises_once(self):
        runner = FakeRunner(failures={
            'daxio -z -o /dev/dax0.0': 'Input/output error',
            'daxio -z -o /dev/dax0.2': 'Device busy'})
        exc = self.assertRaises(exception.PmemCommandFailed, vpmem.zero,
                                runner, self.devices)
        self.assertEqual(3, len(runner.calls))
        message = str(exc)
        self.assertIn('The command daxio -z -o DEVPATH failed: 2 of 3 '
                      'device(s) could not be zeroed', message)
        self.assertIn('/dev/dax0.0 (The command daxio -z -o /dev/dax0.0 '
                      'failed: Input/output error)', message)
        self.assertIn('/dev/dax0.2 (The command daxio -z -o /dev/dax0.2 '
                      'failed: Device busy)', message)
        self.assertNotIn('/dev/dax0.1', message)
