from xml.etree import ElementTree

import ddt
from oslotest import base

from nova.sim import libvirt
from nova.tests.unit.sim import helpers


@ddt.ddt
class ConstantsTestCase(base.BaseTestCase):

    @ddt.data(
        ('VIR_MIGRATE_LIVE', 1), ('VIR_MIGRATE_PEER2PEER', 2),
        ('VIR_MIGRATE_TUNNELLED', 4), ('VIR_MIGRATE_PERSIST_DEST', 8),
        ('VIR_MIGRATE_UNDEFINE_SOURCE', 16), ('VIR_MIGRATE_PAUSED', 32),
        ('VIR_MIGRATE_NON_SHARED_DISK', 64),
        ('VIR_MIGRATE_NON_SHARED_INC', 128),
        ('VIR_MIGRATE_CHANGE_PROTECTION', 256), ('VIR_MIGRATE_UNSAFE', 512),
        ('VIR_MIGRATE_OFFLINE', 1024), ('VIR_MIGRATE_COMPRESSED', 2048),
        ('VIR_MIGRATE_ABORT_ON_ERROR', 4096),
        ('VIR_MIGRATE_AUTO_CONVERGE', 8192),
        ('VIR_MIGRATE_RDMA_PIN_ALL', 16384), ('VIR_MIGRATE_POSTCOPY', 32768),
        ('VIR_MIGRATE_TLS', 65536), ('VIR_MIGRATE_PARALLEL', 131072),
        ('VIR_MIGRATE_POSTCOPY_RESUME', 524288),
        ('VIR_MIGRATE_PARAM_BANDWIDTH', 'bandwidth'),
        ('VIR_MIGRATE_PARAM_DEST_XML', 'destination_xml'),
        ('VIR_MIGRATE_PARAM_MIGRATE_DISKS', 'migrate_disks'),
        ('VIR_MIGRATE_PARAM_URI', 'migrate_uri'),
        ('VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY', 'bandwidth.postcopy'),
        ('VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL', 'auto_converge.initial'),
        ('VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT',
         'auto_converge.increment'),
        ('VIR_DOMAIN_JOB_NONE', 0), ('VIR_DOMAIN_JOB_BOUNDED', 1),
        ('VIR_DOMAIN_JOB_UNBOUNDED', 2), ('VIR_DOMAIN_JOB_COMPLETED', 3),
        ('VIR_DOMAIN_JOB_FAILED', 4), ('VIR_DOMAIN_JOB_CANCELLED', 5),
        ('VIR_DOMAIN_JOB_STATS_COMPLETED', 1),
        ('VIR_DOMAIN_NOSTATE', 0), ('VIR_DOMAIN_RUNNING', 1),
        ('VIR_DOMAIN_BLOCKED', 2), ('VIR_DOMAIN_PAUSED', 3),
        ('VIR_DOMAIN_SHUTDOWN', 4), ('VIR_DOMAIN_SHUTOFF', 5),
        ('VIR_DOMAIN_CRASHED', 6), ('VIR_DOMAIN_PMSUSPENDED', 7),
        ('VIR_DOMAIN_RUNNING_POSTCOPY', 10),
        ('VIR_DOMAIN_RUNNING_POSTCOPY_FAILED', 11),
        ('VIR_DOMAIN_PAUSED_USER', 1), ('VIR_DOMAIN_PAUSED_MIGRATION', 2),
        ('VIR_DOMAIN_PAUSED_POSTCOPY', 12),
        ('VIR_ERR_INTERNAL_ERROR', 1), ('VIR_ERR_NO_SUPPORT', 3),
        ('VIR_ERR_OPERATION_FAILED', 9), ('VIR_ERR_NO_DOMAIN', 42),
        ('VIR_ERR_OPERATION_INVALID', 55), ('VIR_ERR_OPERATION_ABORTED', 78),
        ('VIR_ERR_ARGUMENT_UNSUPPORTED', 74), ('VIR_ERR_SYSTEM_ERROR', 38),
        ('VIR_FROM_QEMU', 10), ('VIR_FROM_DOMAIN', 20))
    @ddt.unpack
    def test_value(self, name, value):
        self.assertEqual(value, getattr(libvirt, name))

    def test_error(self):
        exc = libvirt.libvirtError('boom')
        self.assertEqual('boom', str(exc))
        self.assertEqual('boom', exc.get_error_message())
        self.assertEqual(libvirt.VIR_ERR_INTERNAL_ERROR,
                         exc.get_error_code())
        exc = libvirt.libvirtError(
            'gone', error_code=libvirt.VIR_ERR_NO_DOMAIN,
            error_domain=libvirt.VIR_FROM_DOMAIN)
        self.assertEqual(libvirt.VIR_ERR_NO_DOMAIN, exc.get_error_code())
        self.assertEqual(libvirt.VIR_FROM_DOMAIN, exc.get_error_domain())
        self.assertEqual(libvirt.VIR_ERR_ERROR, exc.get_error_level())
        self.assertIsInstance(exc, Exception)


@ddt.ddt
class ConnectionTestCase(helpers.SimTestCase):

    def test_unknown_uri(self):
        exc = self.assertLibvirtError(libvirt.VIR_ERR_SYSTEM_ERROR,
                                      libvirt.open, 'sim://nowhere/system')
        self.assertIn('unable to connect', str(exc))

    def test_host_facts(self):
        host = self.network.add_host('sim://big/system', lib_version=8000000,
                                     qemu_version=6002000, memory_mb=1024,
                                     cpus=4)
        conn = libvirt.openAuth('sim://big/system', None, 0)
        self.assertEqual('sim://big/system', conn.getURI())
        self.assertEqual('big', conn.getHostname())
        self.assertEqual(8000000, conn.getLibVersion())
        self.assertEqual(6002000, conn.getVersion())
        self.assertEqual('QEMU', conn.getType())
        self.assertEqual(['x86_64', 1024, 4, 2400, 1, 1, 4, 1],
                         conn.getInfo())
        caps = ElementTree.fromstring(conn.getCapabilities())
        self.assertEqual(host.uuid, caps.findtext('host/uuid'))
        self.assertIs(host, self.network.get_host('big'))

    def test_close_and_host_failure(self):
        conn = libvirt.open(helpers.SRC_URI)
        self.assertEqual(1, conn.isAlive())
        conn.close()
        self.assertEqual(0, conn.isAlive())
        self.assertRaises(libvirt.libvirtError, conn.getHostname)
        self.network.fail_host(helpers.DST_URI)
        self.assertEqual(0, self.dst_conn.isAlive())
        self.assertLibvirtError(libvirt.VIR_ERR_SYSTEM_ERROR,
                                self.dst_conn.listAllDomains)
        self.assertRaises(libvirt.libvirtError, libvirt.open,
                          helpers.DST_URI)
        self.network.restore_host(helpers.DST_URI)
        self.assertEqual(1, libvirt.open(helpers.DST_URI).isAlive())

    def test_read_only(self):
        conn = libvirt.openReadOnly(helpers.SRC_URI)
        self.assertRaises(libvirt.libvirtError, conn.defineXML,
                          helpers.domain_xml())
        self.assertEqual([], conn.listAllDomains())

    @ddt.data(('KiB', '4194304', 4194304), ('MiB', '4096', 4194304),
              ('GiB', '4', 4194304), ('G', '2', 2097152),
              ('bytes', '1073741824', 1048576), ('MB', '1000', 976562))
    @ddt.unpack
    def test_memory_units(self, unit, value, kib):
        dom = self.src_conn.defineXML(helpers.domain_xml(memory=value,
                                                         unit=unit))
        self.assertEqual(kib, dom.info()[1])

    def test_define_and_lookup(self):
        dom = self.src_conn.defineXML(helpers.domain_xml(vcpus=3))
        uuid = dom.UUIDString()
        self.assertEqual(uuid, ElementTree.fromstring(
            dom.XMLDesc()).findtext('uuid'))
        self.assertEqual([libvirt.VIR_DOMAIN_SHUTOFF, 0], dom.state())
        self.assertEqual(0, dom.isActive())
        self.assertEqual(1, dom.isPersistent())
        self.assertEqual(-1, dom.ID())
        self.assertEqual(3, dom.info()[3])
        self.assertEqual(uuid, self.src_conn.lookupByName('vm1').UUIDString())
        self.assertEqual('vm1',
                         self.src_conn.lookupByUUIDString(uuid).name())
        self.assertLibvirtError(libvirt.VIR_ERR_NO_DOMAIN,
                                self.src_conn.lookupByName, 'nope')
        self.assertLibvirtError(libvirt.VIR_ERR_NO_DOMAIN,
                                self.dst_conn.lookupByUUIDString, uuid)
        other = self.src_conn.defineXML(helpers.domain_xml(uuid=uuid,
                                                           vcpus=5))
        self.assertEqual(5, other.info()[3])
        self.assertRaises(libvirt.libvirtError, self.src_conn.defineXML,
                          helpers.domain_xml(uuid='a' * 8 + '-1111-2222-'
                                             '3333-444444444444'))

    def test_life_cycle(self):
        dom = self.src_conn.defineXML(helpers.domain_xml())
        dom.create()
        self.assertEqual([libvirt.VIR_DOMAIN_RUNNING,
                          libvirt.VIR_DOMAIN_RUNNING_BOOTED], dom.state())
        self.assertGreater(dom.ID(), 0)
        self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                dom.create)
        dom.suspend()
        self.assertEqual([libvirt.VIR_DOMAIN_PAUSED,
                          libvirt.VIR_DOMAIN_PAUSED_USER], dom.state())
        dom.resume()
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, dom.state()[0])
        self.network.clock.sleep(2)
        self.assertGreater(dom.info()[4], 0)
        dom.undefine()
        self.assertEqual(0, dom.isPersistent())
        self.assertEqual(1, dom.isActive())
        dom.destroy()
        self.assertLibvirtError(libvirt.VIR_ERR_NO_DOMAIN, dom.state)
        self.assertEqual([], self.src_conn.listAllDomains())

    def test_create_xml_is_transient(self):
        dom = self.src_conn.createXML(helpers.domain_xml('t1'))
        self.assertEqual(1, dom.isActive())
        self.assertEqual(0, dom.isPersistent())
        self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                dom.undefine)
        self.assertLibvirtError(libvirt.VIR_ERR_OPERATION_INVALID,
                                self.src_conn.createXML,
                                helpers.domain_xml('t1'))
        dom.destroy()
        self.assertLibvirtError(libvirt.VIR_ERR_NO_DOMAIN,
                                self.src_conn.lookupByName, 't1')

    def test_list_all_domains_flags(self):
        self.src_conn.defineXML(helpers.domain_xml('off'))
        self.src_conn.defineXML(helpers.domain_xml('on')).create()
        self.src_conn.createXML(helpers.domain_xml('tr'))
        self.src_conn.lookupByName('tr').suspend()

        def names(flags):
            return sorted(d.name() for d in
                          self.src_conn.listAllDomains(flags))
        self.assertEqual(['off', 'on', 'tr'], names(0))
        self.assertEqual(['on', 'tr'], names(
            libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE))
        self.assertEqual(['off'], names(
            libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE))
        self.assertEqual(['tr'], names(
            libvirt.VIR_CONNECT_LIST_DOMAINS_TRANSIENT))
        self.assertEqual(['off', 'on'], names(
            libvirt.VIR_CONNECT_LIST_DOMAINS_PERSISTENT))
        self.assertEqual(['tr'], names(
            libvirt.VIR_CONNECT_LIST_DOMAINS_PAUSED))

    def test_bad_xml(self):
        self.assertLibvirtError(libvirt.VIR_ERR_XML_ERROR,
                                self.src_conn.defineXML, '<domain>')
        self.assertLibvirtError(libvirt.VIR_ERR_XML_ERROR,
                                self.src_conn.defineXML,
                                '<domain><memory>1</memory></domain>')

    def test_default_network(self):
        self.assertIs(self.network, libvirt.get_network())
        libvirt.set_network(None)
        fresh = libvirt.get_network()
        self.assertIsNot(self.network, fresh)
        self.assertEqual([], fresh.hosts)
        self.assertEqual(0.0, fresh.clock.now())
