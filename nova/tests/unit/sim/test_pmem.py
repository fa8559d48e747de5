import json

from nova import exception
from nova.sim import libvirt
from nova.sim import pmem as sim_pmem
from nova import test
from nova.tests.unit.sim import helpers
from nova.virt.libvirt import vpmem
from nova.virt.libvirt import vpmem_xml

GiB = 1024 ** 3
MiB = 1024 ** 2
SRC_NAMESPACES = [('ns0', 6 * GiB), ('ns1', 6 * GiB), ('ns2', 6 * GiB),
                  {'name': 'big', 'size': 12 * GiB, 'align': 1 * GiB,
                   'region': 1}]
DST_NAMESPACES = [('d0', 6 * GiB), ('d1', 6 * GiB),
                  {'name': 'dbig', 'size': 16 * GiB, 'region': 1}]
SRC_CONF = ['6GB:ns0|ns1|ns2', 'BIG:big']
DST_CONF = ['6GB:d0|d1', 'BIG:dbig']
VM_UUID = 'c0ffee00-0000-4000-8000-000000000001'
VM2_UUID = 'c0ffee00-0000-4000-8000-000000000002'


class PmemSimTestCase(test.NoDBTestCase):
    """Hosts ``src`` and ``dst`` with persistent memory."""

    def setUp(self):
        super().setUp()
        self.network = libvirt.Network()
        libvirt.set_network(self.network)
        self.addCleanup(libvirt.set_network, None)
        self.src = self.network.add_host(helpers.SRC_URI,
                                         pmem_namespaces=SRC_NAMESPACES)
        self.dst = self.network.add_host(helpers.DST_URI,
                                         pmem_namespaces=DST_NAMESPACES)
        self.src_conn = libvirt.open(helpers.SRC_URI)
        self.dst_conn = libvirt.open(helpers.DST_URI)

    def state(self, host, devpath):
        return host.pmem.owner(devpath), host.pmem.is_zeroed(devpath)

    def start_guest(self, conn, devices, name='vm1', uuid=VM_UUID):
        dom = conn.defineXML(
            vpmem_xml.guest_xml(uuid, name, 1024, 2, devices))
        dom.create()
        return dom

    def assertCannotOpen(self, devpath, why, func, *args):
        exc = self.assertRaises(libvirt.libvirtError, func, *args)
        self.assertEqual(libvirt.VIR_ERR_OPERATION_FAILED,
                         exc.get_error_code())
        self.assertIn('could not open %s: %s' % (devpath, why), str(exc))
        return exc


class SimPmemTestCase(PmemSimTestCase):

    def test_host_without_pmem(self):
        host = self.network.add_host('sim://plain/system')
        self.assertEqual([], host.pmem.namespaces)
        self.assertEqual('', host.pmem.runner('ndctl', 'list', '-X'))
        self.assertEqual({}, vpmem.discover(host.pmem.runner))

    def test_namespaces(self):
        self.assertEqual(
            [('ns0', '/dev/dax0.0', 6 * GiB, 2 * MiB),
             ('ns1', '/dev/dax0.1', 6 * GiB, 2 * MiB),
             ('ns2', '/dev/dax0.2', 6 * GiB, 2 * MiB),
             ('big', '/dev/dax1.0', 12 * GiB, 1 * GiB)],
            [(ns.name, ns.devpath, ns.size, ns.align)
             for ns in self.src.pmem.namespaces])
        self.assertEqual((None, True), self.state(self.src, '/dev/dax0.0'))
        self.assertIsNone(self.src.pmem.device('/dev/dax9.9'))

    def test_invalid_namespaces(self):
        for spec, message in (
                ([('a', GiB), ('a', GiB)], 'pmem namespace a already '
                                           'exists'),
                ([('a', 0)], 'pmem namespace a: size must be a positive '
                             'integer, got 0'),
                ([{'name': 'a', 'size': GiB, 'align': -1}],
                 'align must be a positive integer, got -1'),
                ([('', GiB)], "a pmem namespace needs a name, got ''"),
                ([{'name': 'a', 'size': GiB, 'mode': 'fsdax'}],
                 'unknown pmem namespace key(s) mode')):
            exc = self.assertRaises(ValueError, self.network.add_host,
                                    'sim://bad/system',
                                    pmem_namespaces=spec)
            self.assertIn(message, str(exc))
        self.assertIsNone(self.network.find_host('sim://bad/system'))

    def test_ndctl_list(self):
        data = json.loads(self.src.pmem.runner('ndctl', 'list', '-X'))
        self.assertEqual(4, len(data))
        big = data[3]
        self.assertEqual(('namespace1.0', 'devdax', 'big', 12 * GiB),
                         (big['dev'], big['mode'], big['name'], big['size']))
        self.assertEqual(1 * GiB, big['daxregion']['align'])
        self.assertEqual([('dax1.0', 12 * GiB)],
                         [(d['chardev'], d['size'])
                          for d in big['daxregion']['devices']])

    def test_ndctl_list_one_namespace_is_an_object(self):
        host = self.network.add_host('sim://one/system',
                                     pmem_namespaces=[('solo', GiB)])
        data = json.loads(host.pmem.runner('ndctl', 'list', '-X'))
        self.assertIsInstance(data, dict)
        self.assertEqual({'solo': (GiB, '/dev/dax0.0', 2 * MiB)},
                         vpmem.discover(host.pmem.runner))

    def test_get_vpmems_on_the_sim(self):
        by_label = vpmem.get_vpmems(['6GB:ns2|ns0', 'BIG:big'],
                                    self.src.pmem.runner)
        self.assertEqual(
            {'6GB': [('ns2', '/dev/dax0.2'), ('ns0', '/dev/dax0.0')],
             'BIG': [('big', '/dev/dax1.0')]},
            {label: [(d.name, d.devpath) for d in devices]
             for label, devices in by_label.items()})
        exc = self.assertRaises(exception.PmemNamespaceConfigInvalid,
                                vpmem.get_vpmems, ['6GB:ns0|d0'],
                                self.src.pmem.runner)
        self.assertIn('namespace(s) d0 not found on this host', str(exc))

    def test_daxio_zeroes(self):
        self.src.pmem.write(['/dev/dax0.0'], VM_UUID)
        self.assertEqual((VM_UUID, False), self.state(self.src,
                                                      '/dev/dax0.0'))
        out = self.src.pmem.runner('daxio', '-z', '-o', '/dev/dax0.0')
        self.assertIn('/dev/dax0.0', out)
        self.assertEqual((None, True), self.state(self.src, '/dev/dax0.0'))
        self.assertEqual([('daxio', '-z', '-o', '/dev/dax0.0')],
                         self.src.pmem.commands)

    def test_owners(self):
        self.src.pmem.write(['/dev/dax0.0'], VM_UUID)
        self.assertEqual({'ns0': VM_UUID, 'ns1': None, 'ns2': None,
                          'big': None}, self.src.pmem.owners())

    def test_daxio_unknown_path(self):
        exc = self.assertRaises(exception.PmemCommandFailed,
                                self.src.pmem.runner, 'daxio', '-z', '-o',
                                '/dev/dax9.9')
        self.assertEqual('The command daxio -z -o /dev/dax9.9 failed: '
                         'daxio: /dev/dax9.9: No such file or directory',
                         str(exc))

    def test_unknown_command(self):
        exc = self.assertRaises(exception.PmemCommandFailed,
                                self.src.pmem.runner, 'ndctl', 'destroy')
        self.assertIn('ndctl destroy failed: not a command the simulated '
                      'host knows', str(exc))

    def test_fail_zero_one_device(self):
        pmem = self.src.pmem
        pmem.write(['/dev/dax0.0', '/dev/dax0.1'], VM_UUID)
        pmem.fail_zero('/dev/dax0.1')
        devices = vpmem.get_vpmems(['6GB:ns0|ns1'], pmem.runner)['6GB']
        exc = self.assertRaises(exception.PmemCommandFailed, vpmem.zero,
                                pmem.runner, devices)
        self.assertIn('1 of 2 device(s) could not be zeroed', str(exc))
        self.assertIn('/dev/dax0.1: Input/output error (injected fault)',
                      str(exc))
        self.assertEqual((None, True), self.state(self.src, '/dev/dax0.0'))
        self.assertEqual((VM_UUID, False), self.state(self.src,
                                                      '/dev/dax0.1'))
        pmem.clear_faults()
        vpmem.zero(pmem.runner, devices)
        self.assertEqual((None, True), self.state(self.src, '/dev/dax0.1'))

    def test_fail_zero_every_device(self):
        pmem = self.src.pmem
        pmem.fail_zero()
        for devpath in ('/dev/dax0.0', '/dev/dax1.0'):
            self.assertRaises(exception.PmemCommandFailed, pmem.runner,
                              'daxio', '-z', '-o', devpath)
        pmem.clear_faults()
        self.assertIn('copied', pmem.runner('daxio', '-z', '-o',
                                            '/dev/dax1.0'))

    def test_nvdimm_paths_of_malformed_xml(self):
        exc = self.assertRaises(libvirt.libvirtError, sim_pmem.nvdimm_paths,
                                '<domain>')
        self.assertEqual(libvirt.VIR_ERR_XML_ERROR, exc.get_error_code())


class DomainStartTestCase(PmemSimTestCase):

    def setUp(self):
        super().setUp()
        self.vpmems = vpmem.get_vpmems(SRC_CONF, self.src.pmem.runner)

    def test_start_writes_the_devices(self):
        dom = self.start_guest(self.src_conn, [self.vpmems['6GB'][1],
                                               self.vpmems['BIG'][0]])
        self.assertEqual(1, dom.isActive())
        self.assertEqual((VM_UUID, False), self.state(self.src,
                                                      '/dev/dax0.1'))
        self.assertEqual((VM_UUID, False), self.state(self.src,
                                                      '/dev/dax1.0'))
        self.assertEqual((None, True), self.state(self.src, '/dev/dax0.0'))
        # Stopping the guest leaves its data behind.
        dom.destroy()
        self.assertEqual((VM_UUID, False), self.state(self.src,
                                                      '/dev/dax0.1'))

    def test_create_with_missing_device(self):
        missing = self.vpmems['6GB'][0].obj_clone()
        missing.devpath = '/dev/dax9.9'
        dom = self.src_conn.defineXML(vpmem_xml.guest_xml(
            VM_UUID, 'vm1', 1024, 2, [self.vpmems['6GB'][1], missing]))
        self.assertCannotOpen('/dev/dax9.9', 'No such file or directory',
                              dom.create)
        self.assertEqual([libvirt.VIR_DOMAIN_SHUTOFF,
                          libvirt.VIR_DOMAIN_SHUTOFF_UNKNOWN], dom.state())
        self.assertEqual((None, True), self.state(self.src, '/dev/dax0.1'))

    def test_create_xml_with_missing_device(self):
        missing = self.vpmems['6GB'][0].obj_clone()
        missing.devpath = '/dev/dax9.9'
        xml = vpmem_xml.guest_xml(VM_UUID, 'vm1', 1024, 2, [missing])
        self.assertCannotOpen('/dev/dax9.9', 'No such file or directory',
                              self.src_conn.createXML, xml)
        self.assertRaises(libvirt.libvirtError, self.src_conn.lookupByName,
                          'vm1')

    def test_device_used_by_another_active_domain(self):
        shared = self.vpmems['6GB'][0]
        vm1 = self.start_guest(self.src_conn, [shared])
        xml = vpmem_xml.guest_xml(VM2_UUID, 'vm2', 1024, 2,
                                  [self.vpmems['6GB'][1], shared])
        self.assertCannotOpen('/dev/dax0.0', 'Device or resource busy (used '
                              'by domain vm1)', self.src_conn.createXML, xml)
        # An inactive domain does not hold its devices.
        vm1.destroy()
        vm2 = self.src_conn.createXML(xml)
        self.assertEqual(1, vm2.isActive())
        self.assertEqual((VM2_UUID, False), self.state(self.src,
                                                       '/dev/dax0.0'))
        # vm1's data was never zeroed: vm2 could read it.
        self.assertEqual([('/dev/dax0.0', VM_UUID, VM2_UUID)],
                         self.src.pmem.exposures)

    def test_zeroed_device_is_not_an_exposure(self):
        device = self.vpmems['6GB'][0]
        self.start_guest(self.src_conn, [device]).destroy()
        vpmem.zero(self.src.pmem.runner, [device])
        self.start_guest(self.src_conn, [device], name='vm2',
                         uuid=VM2_UUID)
        self.assertEqual((VM2_UUID, False), self.state(self.src,
                                                       '/dev/dax0.0'))
        self.assertEqual([], self.src.pmem.exposures)

    def test_unknown_device_state(self):
        exc = self.assertRaises(KeyError, self.src.pmem.owner, '/dev/dax9.9')
        self.assertIn('no pmem device /dev/dax9.9 on this host', str(exc))

    def test_device_twice_in_one_domain(self):
        device = self.vpmems['6GB'][0]
        xml = vpmem_xml.guest_xml(VM_UUID, 'vm1', 1024, 2, [device, device])
        self.assertCannotOpen('/dev/dax0.0', 'Device or resource busy (two '
                              'nvdimm devices use it)',
                              self.src_conn.createXML, xml)

    def test_domain_without_nvdimm_unaffected(self):
        dom = self.src_conn.createXML(helpers.domain_xml())
        self.assertEqual(1, dom.isActive())
        self.assertTrue(all(ns.owner is None and ns.zeroed
                            for ns in self.src.pmem.namespaces))


class PmemMigrationTestCase(PmemSimTestCase):

    def setUp(self):
        super().setUp()
        self.src_vpmems = vpmem.get_vpmems(SRC_CONF, self.src.pmem.runner)
        self.dst_vpmems = vpmem.get_vpmems(DST_CONF, self.dst.pmem.runner)
        self.labels = ['BIG', '6GB']
        # The source guest got ns1 (ns0 was busy when it was placed).
        self.old = vpmem.assign(
            VM_UUID, 'src', self.labels, self.src_vpmems, self.src.uuid,
            {'CUSTOM_PMEM_NAMESPACE_BIG': 1, 'CUSTOM_PMEM_NAMESPACE_6GB': 1},
            {'ns0'}).vpmems
        self.new = vpmem.assign(
            VM_UUID, 'dst', self.labels, self.dst_vpmems, self.dst.uuid,
            {'CUSTOM_PMEM_NAMESPACE_BIG': 1, 'CUSTOM_PMEM_NAMESPACE_6GB': 1},
            set()).vpmems
        self.dom = self.start_guest(self.src_conn, self.old)

    def migrate(self, params=None):
        run = helpers.MigrationRun(self, self.dom, params=params)
        self.addCleanup(run.stop)
        return run.start()

    def dest_params(self):
        xml = vpmem_xml.destination_xml(VM_UUID, self.dom.XMLDesc(),
                                        self.old, self.new)
        return {libvirt.VIR_MIGRATE_PARAM_DEST_XML: xml}

    def test_completed_migration(self):
        run = self.migrate(self.dest_params())
        self.assertTrue(run.drive(30))
        self.assertIsNone(run.error)
        moved = self.dst_conn.lookupByUUIDString(VM_UUID)
        self.assertEqual(['/dev/dax1.0', '/dev/dax0.0'],
                         vpmem_xml.vpmem_paths(moved.XMLDesc()))
        for devpath in ('/dev/dax1.0', '/dev/dax0.0'):
            self.assertEqual((VM_UUID, False), self.state(self.dst, devpath))
        self.assertEqual((None, True), self.state(self.dst, '/dev/dax0.1'))
        # The source still holds the data until it is zeroed.
        for devpath in ('/dev/dax1.0', '/dev/dax0.1'):
            self.assertEqual((VM_UUID, False), self.state(self.src, devpath))
        vpmem.zero(self.src.pmem.runner, self.old)
        for devpath in ('/dev/dax1.0', '/dev/dax0.1'):
            self.assertEqual((None, True), self.state(self.src, devpath))

    def test_destination_lacks_a_device(self):
        # Without a destination XML the source's paths are opened on the
        # destination, which has no /dev/dax0.2 (ns2 of the source).
        self.dom.destroy()
        self.dom = self.start_guest(self.src_conn,
                                    [self.src_vpmems['6GB'][2]])
        exc = self.assertRaises(libvirt.libvirtError,
                                self.dom.migrateToURI3, helpers.DST_URI, {},
                                helpers.BASE_FLAGS)
        self.assertEqual(libvirt.VIR_ERR_OPERATION_FAILED,
                         exc.get_error_code())
        self.assertIn('could not open /dev/dax0.2: No such file or '
                      'directory', str(exc))
        self.assertEqual(1, self.dom.isActive())
        self.assertEqual({'type': libvirt.VIR_DOMAIN_JOB_NONE},
                         self.dom.jobStats())
        self.assertIsNone(self.dst.get_domain(VM_UUID))
        self.assertTrue(all(ns.owner is None and ns.zeroed
                            for ns in self.dst.pmem.namespaces))

    def test_destination_device_in_use(self):
        self.start_guest(self.dst_conn, [self.dst_vpmems['BIG'][0]],
                         name='other', uuid=VM2_UUID)
        exc = self.assertRaises(libvirt.libvirtError,
                                self.dom.migrateToURI3, helpers.DST_URI,
                                self.dest_params(), helpers.BASE_FLAGS)
        self.assertIn('could not open /dev/dax1.0: Device or resource busy '
                      '(used by domain other)', str(exc))
        self.assertEqual((VM2_UUID, False), self.state(self.dst,
                                                       '/dev/dax1.0'))
        self.assertEqual((None, True), self.state(self.dst, '/dev/dax0.0'))

    def test_failed_migration_leaves_destination_written(self):
        run = self.migrate(self.dest_params())
        # The incoming guest writes its devices from the start.
        self.assertEqual((VM_UUID, False), self.state(self.dst,
                                                      '/dev/dax0.0'))
        self.network.fail_all_jobs('link cut')
        self.assertTrue(run.drive(5))
        self.assertEqual(libvirt.VIR_ERR_OPERATION_FAILED,
                         run.error.get_error_code())
        self.assertEqual(1, self.dom.isActive())
        self.assertIsNone(self.dst.get_domain(VM_UUID))
        for devpath in ('/dev/dax1.0', '/dev/dax0.0'):
            self.assertEqual((VM_UUID, False), self.state(self.dst, devpath))
        # The source guest keeps running on its own data.
        self.assertEqual((VM_UUID, False), self.state(self.src,
                                                      '/dev/dax0.1'))
        # Rollback zeroes the destination devices.
        vpmem.zero(self.dst.pmem.runner, self.new)
        for devpath in ('/dev/dax1.0', '/dev/dax0.0'):
            self.assertEqual((None, True), self.state(self.dst, devpath))

    def test_cancelled_migration_then_retry(self):
        run = self.migrate(self.dest_params())
        self.dom.abortJob()
        self.assertTrue(run.drive(5))
        self.assertEqual(libvirt.VIR_ERR_OPERATION_ABORTED,
                         run.error.get_error_code())
        self.assertEqual((VM_UUID, False), self.state(self.dst,
                                                      '/dev/dax1.0'))
        # The failed incoming domain is gone, so the devices can be
        # opened again by a second attempt.
        run = self.migrate(self.dest_params())
        self.assertTrue(run.drive(30))
        self.assertIsNone(run.error)
        self.assertEqual(1, self.dst_conn.lookupByName('vm1').isActive())
        # Same instance, same data: nothing leaked to another guest.
        self.assertEqual([], self.dst.pmem.exposures)
