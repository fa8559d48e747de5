import ddt
from lxml import etree

from nova import exception
from nova.objects import resource
from nova.sim import network as sim_network
from nova import test
from nova.virt.libvirt import vpmem_xml

GiB = 1024 ** 3
MiB = 1024 ** 2
UUID = 'c0ffee00-0000-4000-8000-000000000001'
NVDIMMS = "devices/memory[@model='nvdimm']"


def device(label, name, devpath, size=6 * GiB, align=2 * MiB):
    return resource.LibvirtVPMEMDevice(label=label, name=name, size=size,
                                       devpath=devpath, align=align)


def nvdimm_xml(path, size_kib=6 * 1024 * 1024 - 2048, alias=None,
               extra=''):
    alias = "<alias name='%s'/>" % alias if alias else ''
    return ("<memory model='nvdimm' access='shared'><source><path>%s</path>"
            "<alignsize unit='KiB'>2048</alignsize><pmem/></source>"
            "<target><size unit='KiB'>%d</size><node>0</node><label>"
            "<size unit='KiB'>2048</size></label></target>%s%s</memory>"
            % (path, size_kib, alias, extra))


def domain_xml(*nvdimms, max_memory=None):
    max_memory = ("<maxMemory slots='%d' unit='KiB'>%d</maxMemory>"
                  % (len(nvdimms), max_memory) if max_memory else '')
    return ("<domain type='qemu'><name>vm1</name><uuid>%s</uuid>%s"
            "<memory unit='KiB'>1048576</memory><vcpu>2</vcpu>"
            "<devices><disk type='file'/>%s</devices></domain>"
            % (UUID, max_memory, ''.join(nvdimms)))


def nvdimm_summary(xml):
    """[(path, align KiB, target KiB, alias)] of each nvdimm, in order."""
    root = etree.fromstring(xml)
    return [(m.findtext('source/path'), int(m.findtext('source/alignsize')),
             int(m.findtext('target/size')), m.find('alias').get('name')
             if m.find('alias') is not None else None)
            for m in root.findall(NVDIMMS)]


class NvdimmElementTestCase(test.NoDBTestCase):

    def test_shape(self):
        elem = vpmem_xml.nvdimm_element(
            device('6GB', 'ns0', '/dev/dax0.0', align=2 * MiB))
        self.assertEqual('memory', elem.tag)
        self.assertEqual({'model': 'nvdimm', 'access': 'shared'},
                         dict(elem.attrib))
        self.assertEqual('/dev/dax0.0', elem.findtext('source/path'))
        align = elem.find('source/alignsize')
        self.assertEqual(('KiB', '2048'), (align.get('unit'), align.text))
        self.assertIsNotNone(elem.find('source/pmem'))
        size = elem.find('target/size')
        self.assertEqual(('KiB', str(6 * 1024 * 1024 - 2048)),
                         (size.get('unit'), size.text))
        self.assertEqual('0', elem.findtext('target/node'))
        label = elem.find('target/label/size')
        self.assertEqual(('KiB', '2048'), (label.get('unit'), label.text))
        self.assertEqual(
            ['source', 'target'], [child.tag for child in elem])

    def test_passes_the_schema(self):
        elem = vpmem_xml.nvdimm_element(device('A', 'ns0', '/dev/dax0.0'))
        self.assertTrue(vpmem_xml._SCHEMA.validate(elem))

    def test_too_small(self):
        exc = self.assertRaises(
            exception.InvalidInput, vpmem_xml.nvdimm_element,
            device('A', 'ns0', '/dev/dax0.0', size=2 * MiB))
        self.assertIn('vPMEM namespace ns0 (/dev/dax0.0) has 2097152 bytes; '
                      'an nvdimm needs more than its 2048 KiB label area',
                      str(exc))


class GuestXmlTestCase(test.NoDBTestCase):

    def test_direct_boot_and_console_file(self):
        xml = vpmem_xml.guest_xml(
            UUID, 'vm1', 256, 1, virt_type='kvm', kernel='/k/vmlinux',
            initrd='/k/initrd.gz', cmdline='console=ttyS0 quiet',
            console_log='/state/instances/%s/console.log' % UUID)
        root = etree.fromstring(xml)
        self.assertEqual('kvm', root.get('type'))
        self.assertEqual('/k/vmlinux', root.findtext('os/kernel'))
        self.assertEqual('/k/initrd.gz', root.findtext('os/initrd'))
        self.assertEqual('console=ttyS0 quiet', root.findtext('os/cmdline'))
        serial = root.find('devices/serial')
        self.assertEqual('file', serial.get('type'))
        self.assertEqual({'path': '/state/instances/%s/console.log' % UUID,
                          'append': 'on'}, dict(serial.find('source').attrib))
        self.assertEqual('0', serial.find('target').get('port'))

    def test_no_kernel_no_boot_elements(self):
        root = etree.fromstring(vpmem_xml.guest_xml(
            UUID, 'vm1', 256, 1, initrd='/k/initrd.gz', cmdline='x'))
        for tag in ('os/kernel', 'os/initrd', 'os/cmdline',
                    'devices/serial'):
            self.assertIsNone(root.find(tag), tag)

    def test_without_vpmems(self):
        xml = vpmem_xml.guest_xml(UUID, 'vm1', 2048, 4)
        root = etree.fromstring(xml)
        self.assertEqual(('domain', 'qemu'), (root.tag, root.get('type')))
        self.assertEqual('vm1', root.findtext('name'))
        self.assertEqual(UUID, root.findtext('uuid'))
        self.assertEqual('2097152', root.findtext('memory'))
        self.assertEqual('KiB', root.find('memory').get('unit'))
        self.assertEqual('4', root.findtext('vcpu'))
        self.assertEqual('hvm', root.findtext('os/type'))
        self.assertIsNotNone(root.find('features/acpi'))
        self.assertIsNone(root.find('maxMemory'))
        self.assertIsNone(root.find('cpu'))
        self.assertEqual([], root.findall(NVDIMMS))
        self.assertEqual([], vpmem_xml.vpmem_paths(xml))

    def test_with_vpmems(self):
        vpmems = [device('6GB', 'ns0', '/dev/dax0.0'),
                  device('LARGE', 'ns3', '/dev/dax1.0', size=100 * GiB,
                         align=1 * GiB)]
        xml = vpmem_xml.guest_xml(UUID, 'vm1', 1024, 3, vpmems)
        root = etree.fromstring(xml)
        max_memory = root.find('maxMemory')
        self.assertEqual(('2', 'KiB'), (max_memory.get('slots'),
                                        max_memory.get('unit')))
        self.assertEqual((1 + 6 + 100) * 1024 * 1024, int(max_memory.text))
        cell = root.find('cpu/numa/cell')
        self.assertEqual({'id': '0', 'cpus': '0-2', 'memory': '1048576',
                          'unit': 'KiB'}, dict(cell.attrib))
        self.assertEqual(['/dev/dax0.0', '/dev/dax1.0'],
                         vpmem_xml.vpmem_paths(xml))
        self.assertEqual(
            [('/dev/dax0.0', 2048, 6 * 1024 * 1024 - 2048, None),
             ('/dev/dax1.0', 1024 * 1024, 100 * 1024 * 1024 - 2048, None)],
            nvdimm_summary(xml))

    def test_simulated_libvirt_reads_it(self):
        xml = vpmem_xml.guest_xml(
            UUID, 'vm1', 1024, 2, [device('A', 'ns0', '/dev/dax0.0')])
        _xml, name, uuid, memory_kib, vcpus = sim_network.parse_domain_xml(
            xml)
        self.assertEqual(('vm1', UUID, 1048576, 2),
                         (name, uuid, memory_kib, vcpus))


class VpmemPathsTestCase(test.NoDBTestCase):

    def test_document_order_and_only_nvdimms(self):
        xml = domain_xml(nvdimm_xml('/dev/dax1.0'),
                         "<memory model='dimm'><target><size unit='KiB'>"
                         "1024</size></target></memory>",
                         nvdimm_xml('/dev/dax0.0'))
        self.assertEqual(['/dev/dax1.0', '/dev/dax0.0'],
                         vpmem_xml.vpmem_paths(xml))

    def test_bytes(self):
        xml = domain_xml(nvdimm_xml('/dev/dax0.0')).encode('utf-8')
        self.assertEqual(['/dev/dax0.0'], vpmem_xml.vpmem_paths(xml))

    def test_malformed(self):
        exc = self.assertRaises(exception.InvalidInput,
                                vpmem_xml.vpmem_paths, '<domain>')
        self.assertIn('the domain XML is not well-formed', str(exc))


@ddt.ddt
class DestinationXmlTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.old = [device('A', 'ns0', '/dev/dax0.0'),
                    device('A', 'ns1', '/dev/dax0.1'),
                    device('B', 'ns2', '/dev/dax1.0')]
        self.new = [device('A', 'ns10', '/dev/dax4.0'),
                    device('A', 'ns11', '/dev/dax4.1'),
                    device('B', 'ns12', '/dev/dax5.0')]

    def source(self, *paths, **kw):
        return domain_xml(*(nvdimm_xml(p, alias='nvdimm%d' % i)
                            for i, p in enumerate(paths)), **kw)

    def rewrite(self, source, old=None, new=None):
        return vpmem_xml.destination_xml(
            UUID, source, self.old if old is None else old,
            self.new if new is None else new)

    def assertXmlError(self, reason, source, old=None, new=None):
        exc = self.assertRaises(exception.VPMEMXMLError, self.rewrite,
                                source, old, new)
        self.assertIn('Cannot build the destination domain XML of instance '
                      '%s: ' % UUID, str(exc))
        self.assertIn(reason, str(exc))
        return exc

    def test_in_order(self):
        result = self.rewrite(
            self.source('/dev/dax0.0', '/dev/dax0.1', '/dev/dax1.0'))
        self.assertEqual(['/dev/dax4.0', '/dev/dax4.1', '/dev/dax5.0'],
                         vpmem_xml.vpmem_paths(result))
        # Everything but the backing stays: aliases, other devices.
        self.assertEqual(['nvdimm0', 'nvdimm1', 'nvdimm2'],
                         [s[3] for s in nvdimm_summary(result)])
        root = etree.fromstring(result)
        self.assertIsNotNone(root.find('devices/disk'))
        self.assertEqual('vm1', root.findtext('name'))

    @ddt.data(
        # nvdimm order in the source XML (old_vpmems is A0, A1, B0)
        ('/dev/dax1.0', '/dev/dax0.0', '/dev/dax0.1'),
        ('/dev/dax0.1', '/dev/dax1.0', '/dev/dax0.0'),
        ('/dev/dax1.0', '/dev/dax0.1', '/dev/dax0.0'),
    )
    def test_reordered_xml_maps_by_label_and_path(self, xml_order):
        result = self.rewrite(self.source(*xml_order))
        expected = {'/dev/dax0.0': '/dev/dax4.0',
                    '/dev/dax0.1': '/dev/dax4.1',
                    '/dev/dax1.0': '/dev/dax5.0'}
        self.assertEqual([expected[p] for p in xml_order],
                         vpmem_xml.vpmem_paths(result))
        # The alias (the guest's device) travels with its namespace.
        alias_of = {p: 'nvdimm%d' % i for i, p in enumerate(xml_order)}
        self.assertEqual(
            sorted((expected[p], alias_of[p]) for p in xml_order),
            sorted((s[0], s[3]) for s in nvdimm_summary(result)))

    def test_labels_interleaved_in_old_list(self):
        old = [self.old[2], self.old[0], self.old[1]]   # B0, A0, A1
        new = [self.new[0], self.new[2], self.new[1]]   # A0', B0', A1'
        result = self.rewrite(
            self.source('/dev/dax0.0', '/dev/dax0.1', '/dev/dax1.0'),
            old, new)
        self.assertEqual(['/dev/dax4.0', '/dev/dax4.1', '/dev/dax5.0'],
                         vpmem_xml.vpmem_paths(result))

    def test_destination_paths_overlap_source_paths(self):
        # The destination host has the same device names, assigned the
        # other way round: no device may be rewritten twice.
        new = [device('A', 'ns10', '/dev/dax0.1'),
               device('A', 'ns11', '/dev/dax0.0'),
               device('B', 'ns12', '/dev/dax1.0')]
        result = self.rewrite(
            self.source('/dev/dax0.0', '/dev/dax0.1', '/dev/dax1.0'),
            new=new)
        self.assertEqual(['/dev/dax0.1', '/dev/dax0.0', '/dev/dax1.0'],
                         vpmem_xml.vpmem_paths(result))
        self.assertEqual(['nvdimm0', 'nvdimm1', 'nvdimm2'],
                         [s[3] for s in nvdimm_summary(result)])

    def test_align_follows_the_destination_guest_size_kept(self):
        new = [self.new[0], self.new[1],
               device('B', 'ns12', '/dev/dax5.0', size=8 * GiB,
                      align=1 * GiB)]
        old_max = (1 + 18) * 1024 * 1024
        source = self.source('/dev/dax1.0', '/dev/dax0.0', '/dev/dax0.1',
                             max_memory=old_max)
        result = self.rewrite(source, new=new)
        before, after = nvdimm_summary(source), nvdimm_summary(result)
        # A bigger namespace backs the device; the guest sees the same
        # device (QEMU migrates it as it is).
        self.assertEqual(('/dev/dax5.0', 1024 * 1024, before[0][2]),
                         after[0][:3])
        self.assertEqual(('/dev/dax4.0', 2048, before[1][2]), after[1][:3])
        self.assertEqual(str(old_max),
                         etree.fromstring(result).findtext('maxMemory'))

    def test_namespace_too_small_for_device_and_label(self):
        source = domain_xml(nvdimm_xml('/dev/dax0.0').replace(
            "<size unit='KiB'>2048</size></label>",
            "<size unit='MiB'>4</size></label>"))
        exc = self.assertRaises(exception.VPMEMXMLError,
                                self.rewrite, source, self.old[:1],
                                self.new[:1])
        self.assertIn('too small for the guest', str(exc))
        self.assertIn('4096 KiB label area', str(exc))

    def test_output_from_guest_xml_round_trips(self):
        source = vpmem_xml.guest_xml(UUID, 'vm1', 1024, 2, self.old)
        result = self.rewrite(source)
        self.assertEqual(['/dev/dax4.0', '/dev/dax4.1', '/dev/dax5.0'],
                         vpmem_xml.vpmem_paths(result))
        self.assertEqual(etree.fromstring(source).findtext('maxMemory'),
                         etree.fromstring(result).findtext('maxMemory'))
        self.assertEqual(
            'vm1', sim_network.parse_domain_xml(result)[1])

    def test_no_vpmems(self):
        result = self.rewrite(domain_xml(), [], [])
        self.assertEqual('vm1', etree.fromstring(result).findtext('name'))

    def test_unparsable(self):
        self.assertXmlError('the source domain XML is not well-formed',
                            '<domain><name>vm1</domain>')

    def test_old_path_missing(self):
        self.assertXmlError(
            'source namespace ns1 (label A) is backed by /dev/dax0.1, but no '
            'nvdimm in the domain XML has that path (nvdimm paths: '
            '/dev/dax0.0, /dev/dax1.0, /dev/dax9.9)',
            self.source('/dev/dax0.0', '/dev/dax9.9', '/dev/dax1.0'))

    def test_old_path_twice(self):
        self.assertXmlError(
            '2 nvdimm devices of the domain XML have the path /dev/dax0.0',
            self.source('/dev/dax0.0', '/dev/dax0.0', '/dev/dax0.1',
                        '/dev/dax1.0'))

    def test_old_list_names_a_path_twice(self):
        old = [self.old[0], device('A', 'ns1', '/dev/dax0.0'), self.old[2]]
        self.assertXmlError('the source vPMEM list names /dev/dax0.0 twice',
                            self.source('/dev/dax0.0', '/dev/dax1.0'), old)

    def test_nvdimm_not_in_old_list(self):
        self.assertXmlError(
            "the domain XML has nvdimm device(s) /dev/dax7.0 that are not "
            "in the source's vPMEM list",
            self.source('/dev/dax0.0', '/dev/dax7.0', '/dev/dax0.1',
                        '/dev/dax1.0'))

    def test_nvdimm_without_path(self):
        source = domain_xml(
            nvdimm_xml('/dev/dax0.0'),
            "<memory model='nvdimm'><target><size>1</size></target>"
            "</memory>")
        self.assertXmlError("nvdimm device(s) (no path) that are not",
                            source, self.old[:1], self.new[:1])

    @ddt.data(
        (lambda old, new: (old, new[:2]),
         'the source has vPMEM labels Ax2, Bx1 but the destination Ax2; '),
        (lambda old, new: (old, new + [device('B', 'x', '/dev/dax6.0')]),
         'the source has vPMEM labels Ax2, Bx1 but the destination Ax2, '
         'Bx2; '),
        (lambda old, new: (old, [new[0], new[2],
                                 device('C', 'x', '/dev/dax6.0')]),
         'the source has vPMEM labels Ax2, Bx1 but the destination Ax1, '
         'Bx1, Cx1; '),
    )
    @ddt.unpack
    def test_label_multisets_differ(self, change, reason):
        old, new = change(self.old, self.new)
        self.assertXmlError(
            reason, self.source('/dev/dax0.0', '/dev/dax0.1', '/dev/dax1.0'),
            old, new)

    def test_new_smaller(self):
        new = [self.new[0], device('A', 'ns11', '/dev/dax4.1',
                                   size=4 * GiB), self.new[2]]
        self.assertXmlError(
            'destination namespace ns11 (/dev/dax4.1, 4294967296 bytes) is '
            'smaller than source namespace ns1 (/dev/dax0.1, 6442450944 '
            'bytes) of label A',
            self.source('/dev/dax0.0', '/dev/dax0.1', '/dev/dax1.0'),
            new=new)

    def test_bad_size_unit(self):
        source = domain_xml(nvdimm_xml('/dev/dax0.0').replace(
            "<size unit='KiB'>2048</size></label>",
            "<size unit='parsecs'>2</size></label>"))
        self.assertXmlError(
            "the nvdimm label size is '2' parsecs; an integer in a libvirt "
            "size unit is expected", source, self.old[:1], self.new[:1])

    def test_lacks_target(self):
        source = domain_xml(
            "<memory model='nvdimm'><source><path>/dev/dax0.0</path>"
            "</source></memory>")
        self.assertXmlError(
            'the nvdimm backed by /dev/dax0.0 lacks <source> or <target>',
            source, self.old[:1], self.new[:1])

    @ddt.data(
        ("<bogus/>", 'bogus'),
        ("<alias/>", 'alias'),
    )
    @ddt.unpack
    def test_schema_rejects_result(self, extra, element):
        source = domain_xml(nvdimm_xml('/dev/dax0.0', extra=extra))
        exc = self.assertXmlError(
            'the nvdimm backed by /dev/dax4.0 does not have the shape of an '
            'nvdimm device: ', source, self.old[:1], self.new[:1])
        self.assertIn(element, str(exc))

    def test_schema_rejects_unaligned_alignment(self):
        # Less than 1 KiB of alignment gives alignsize 0, not positive.
        new = [device('A', 'ns10', '/dev/dax4.0', align=512)]
        exc = self.assertXmlError(
            'the nvdimm backed by /dev/dax4.0 does not have the shape',
            domain_xml(nvdimm_xml('/dev/dax0.0')), self.old[:1], new)
        self.assertIn('alignsize', str(exc))
