"""vPMEM devices in libvirt domain XML.

A namespace is given to a guest as an ``nvdimm`` memory device backed by
the namespace's character device.  Live migration needs a destination XML
in which every nvdimm is backed by the namespace assigned on the
destination host; :func:`destination_xml` builds it, matching devices by
label and order and finding them in the XML by their path, never by their
position in the document.
"""

import collections
import copy

from lxml import etree

from nova import exception

# Size of the label area libvirt keeps inside every nvdimm, KiB.
LABEL_KIB = 2048
NVDIMM_XPATH = "devices/memory[@model='nvdimm']"

_UNIT_BYTES = {
    'b': 1, 'bytes': 1,
    'kb': 1000, 'k': 1024, 'kib': 1024,
    'mb': 1000 ** 2, 'm': 1024 ** 2, 'mib': 1024 ** 2,
    'gb': 1000 ** 3, 'g': 1024 ** 3, 'gib': 1024 ** 3,
    'tb': 1000 ** 4, 't': 1024 ** 4, 'tib': 1024 ** 4,
}

# The shape of one nvdimm <memory> element, as this module writes it and
# as libvirt describes it.  Applied to each nvdimm of a destination XML.
NVDIMM_RNG = """
<grammar xmlns="http://relaxng.org/ns/structure/1.0"
         datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start>
    <element name="memory">
      <attribute name="model"><value>nvdimm</value></attribute>
      <optional>
        <attribute name="access">
          <choice><value>shared</value><value>private</value></choice>
        </attribute>
      </optional>
      <optional>
        <attribute name="discard">
          <choice><value>yes</value><value>no</value></choice>
        </attribute>
      </optional>
      <interleave>
        <element name="source">
          <interleave>
            <element name="path">
              <data type="token"><param name="pattern">/\\S+</param></data>
            </element>
            <optional><element name="alignsize"><ref name="scaled"/>
            </element></optional>
            <optional><element name="pmem"><empty/></element></optional>
          </interleave>
        </element>
        <element name="target">
          <interleave>
            <element name="size"><ref name="scaled"/></element>
            <optional>
              <element name="node">
                <data type="nonNegativeInteger"/>
              </element>
            </optional>
            <optional>
              <element name="label">
                <element name="size"><ref name="scaled"/></element>
              </element>
            </optional>
            <optional><element name="readonly"><empty/></element></optional>
          </interleave>
        </element>
        <optional>
          <element name="alias"><attribute name="name"/></element>
        </optional>
        <optional>
          <element name="address">
            <zeroOrMore><attribute><anyName/></attribute></zeroOrMore>
          </element>
        </optional>
      </interleave>
    </element>
  </start>
  <define name="scaled">
    <optional><attribute name="unit"/></optional>
    <data type="positiveInteger"/>
  </define>
</grammar>
"""

_SCHEMA = etree.RelaxNG(etree.fromstring(NVDIMM_RNG))


def _parse(xml):
    """The root element of ``xml``; lxml's XMLSyntaxError if malformed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    if isinstance(xml, str):
        xml = xml.encode('utf-8')
    return etree.fromstring(xml, parser)


def _target_kib(device):
    """Guest-visible size of the device: all of it but the label area."""
    kib = device.size // 1024 - LABEL_KIB
    if kib <= 0:
        raise exception.InvalidInput(
            reason='vPMEM namespace %s (%s) has %d bytes; an nvdimm needs '
                   'more than its %d KiB label area' % (
                       device.name, device.devpath, device.size, LABEL_KIB))
    return kib


def _scaled(parent, tag, kib, **attrs):
    elem = etree.SubElement(parent, tag, **attrs)
    elem.set('unit', 'KiB')
    elem.text = str(kib)
    return elem


def nvdimm_element(device):
    """The ``<memory model='nvdimm'>`` element backed by ``device``."""
    memory = etree.Element('memory', model='nvdimm', access='shared')
    source = etree.SubElement(memory, 'source')
    etree.SubElement(source, 'path').text = device.devpath
    _scaled(source, 'alignsize', device.align // 1024)
    etree.SubElement(source, 'pmem')
    target = etree.SubElement(memory, 'target')
    _scaled(target, 'size', _target_kib(device))
    etree.SubElement(target, 'node').text = '0'
    label = etree.SubElement(target, 'label')
    _scaled(label, 'size', LABEL_KIB)
    return memory


def guest_xml(uuid, name, memory_mb, vcpus, vpmems=(), virt_type='qemu',
              kernel=None, initrd=None, cmdline=None, console_log=None):
    """A QEMU domain XML; with vPMEM devices, one nvdimm for each.

    nvdimms need memory hotplug slots (``<maxMemory>``, whose size covers
    the RAM and all namespaces) and a guest NUMA cell.  ``virt_type`` is
    the domain type (``qemu`` or ``kvm``).  With ``kernel`` the guest boots
    that kernel directly (with ``initrd`` and ``cmdline`` when given);
    with ``console_log`` its first serial port is appended to that file,
    which survives a live migration when both hosts see the same path.
    """
    vpmems = list(vpmems)
    memory_kib = memory_mb * 1024
    domain = etree.Element('domain', type=virt_type)
    etree.SubElement(domain, 'name').text = name
    etree.SubElement(domain, 'uuid').text = uuid
    if vpmems:
        total = memory_kib + sum(d.size // 1024 for d in vpmems)
        _scaled(domain, 'maxMemory', total, slots=str(len(vpmems)))
    _scaled(domain, 'memory', memory_kib)
    etree.SubElement(domain, 'vcpu').text = str(vcpus)
    os_elem = etree.SubElement(domain, 'os')
    etree.SubElement(os_elem, 'type').text = 'hvm'
    if kernel:
        etree.SubElement(os_elem, 'kernel').text = kernel
        if initrd:
            etree.SubElement(os_elem, 'initrd').text = initrd
        if cmdline:
            etree.SubElement(os_elem, 'cmdline').text = cmdline
    etree.SubElement(etree.SubElement(domain, 'features'), 'acpi')
    if vpmems:
        numa = etree.SubElement(etree.SubElement(domain, 'cpu'), 'numa')
        etree.SubElement(numa, 'cell', id='0', cpus='0-%d' % (vcpus - 1),
                         memory=str(memory_kib), unit='KiB')
    devices = etree.SubElement(domain, 'devices')
    if console_log:
        serial = etree.SubElement(devices, 'serial', type='file')
        etree.SubElement(serial, 'source', path=console_log, append='on')
        etree.SubElement(serial, 'target', port='0')
    for device in vpmems:
        devices.append(nvdimm_element(device))
    return etree.tostring(domain, encoding='unicode', pretty_print=True)


def _path_of(nvdimm):
    return (nvdimm.findtext('source/path') or '').strip()


def vpmem_paths(xml):
    """Source paths of the domain's nvdimm devices, in document order."""
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError as exc:
        raise exception.InvalidInput(
            reason='the domain XML is not well-formed: %s' % exc)
    return [_path_of(nvdimm) for nvdimm in root.findall(NVDIMM_XPATH)]


class _Rewriter(object):
    """destination_xml's steps; every error names the instance."""

    def __init__(self, instance_uuid):
        self.instance_uuid = instance_uuid

    def error(self, reason):
        return exception.VPMEMXMLError(instance_uuid=self.instance_uuid,
                                       reason=reason)

    def kib(self, elem, what):
        """An element's scaled integer value, in KiB."""
        unit = elem.get('unit', 'KiB')
        factor = _UNIT_BYTES.get(unit.lower())
        try:
            value = int((elem.text or '').strip())
        except ValueError:
            value = None
        if factor is None or value is None:
            raise self.error('%s is %r %s; an integer in a libvirt size unit '
                             'is expected' % (what, elem.text, unit))
        return value * factor // 1024

    def pairs(self, old_vpmems, new_vpmems):
        """[(old, new)]: the k-th old and new device of each label."""
        old_labels = collections.Counter(d.label for d in old_vpmems)
        new_labels = collections.Counter(d.label for d in new_vpmems)
        if old_labels != new_labels:
            raise self.error(
                'the source has vPMEM labels %s but the destination %s; '
                'both must have the same number of devices of each label'
                % (_labels(old_labels), _labels(new_labels)))
        new_by_label = collections.defaultdict(list)
        for device in new_vpmems:
            new_by_label[device.label].append(device)
        taken = collections.Counter()
        pairs = []
        for old in old_vpmems:
            new = new_by_label[old.label][taken[old.label]]
            taken[old.label] += 1
            if new.size < old.size:
                raise self.error(
                    'destination namespace %s (%s, %d bytes) is smaller '
                    'than source namespace %s (%s, %d bytes) of label %s'
                    % (new.name, new.devpath, new.size, old.name,
                       old.devpath, old.size, old.label))
            pairs.append((old, new))
        return pairs

    def locate(self, root, old_vpmems):
        """{old devpath: its nvdimm element}, each found by its path."""
        by_path = collections.defaultdict(list)
        for nvdimm in root.findall(NVDIMM_XPATH):
            by_path[_path_of(nvdimm)].append(nvdimm)
        found = {}
        for old in old_vpmems:
            if old.devpath in found:
                raise self.error('the source vPMEM list names %s twice'
                                 % old.devpath)
            elems = by_path.get(old.devpath, [])
            if not elems:
                raise self.error(
                    'source namespace %s (label %s) is backed by %s, but no '
                    'nvdimm in the domain XML has that path (nvdimm paths: '
                    '%s)' % (old.name, old.label, old.devpath,
                             ', '.join(sorted(by_path)) or 'none'))
            if len(elems) > 1:
                raise self.error('%d nvdimm devices of the domain XML have '
                                 'the path %s' % (len(elems), old.devpath))
            found[old.devpath] = elems[0]
        extra = sorted(set(by_path) - set(found))
        if extra:
            raise self.error(
                'the domain XML has nvdimm device(s) %s that are not in the '
                "source's vPMEM list" % ', '.join(p or '(no path)'
                                                  for p in extra))
        return found

    def retarget(self, nvdimm, new):
        """Back ``nvdimm`` by ``new``, keeping what the guest sees.

        The device's guest-visible size is part of the migrated state, so
        it stays the source's; only the backing path and its alignment
        change, and the new namespace must hold that size plus the label.
        """
        source = nvdimm.find('source')
        target = nvdimm.find('target')
        if source is None or target is None:
            raise self.error('the nvdimm backed by %s lacks <source> or '
                             '<target>' % _path_of(nvdimm))
        source.find('path').text = new.devpath
        align = source.find('alignsize')
        if align is None:
            align = etree.SubElement(source, 'alignsize')
        align.set('unit', 'KiB')
        align.text = str(new.align // 1024)
        label = target.find('label/size')
        label_kib = (LABEL_KIB if label is None
                     else self.kib(label, 'the nvdimm label size'))
        size = target.find('size')
        guest_kib = (new.size // 1024 - label_kib if size is None
                     else self.kib(size, 'the nvdimm target size'))
        if guest_kib <= 0 or guest_kib + label_kib > new.size // 1024:
            raise self.error(
                'destination namespace %s (%s) has %d bytes, too small for '
                'the guest\'s %d KiB device plus its %d KiB label area' % (
                    new.name, new.devpath, new.size, guest_kib, label_kib))
        if size is None:
            size = etree.SubElement(target, 'size')
            size.set('unit', 'KiB')
            size.text = str(guest_kib)

    def validate(self, xml):
        try:
            root = _parse(xml)
        except etree.XMLSyntaxError as exc:
            raise self.error('the result is not well-formed: %s' % exc)
        for nvdimm in root.findall(NVDIMM_XPATH):
            if not _SCHEMA.validate(copy.deepcopy(nvdimm)):
                problems = '; '.join(
                    e.message for e in _SCHEMA.error_log) or 'no detail'
                raise self.error(
                    'the nvdimm backed by %s does not have the shape of an '
                    'nvdimm device: %s' % (_path_of(nvdimm), problems))


def _labels(counter):
    return ', '.join('%sx%d' % (label, n)
                     for label, n in sorted(counter.items())) or 'none'


def destination_xml(instance_uuid, source_xml, old_vpmems, new_vpmems):
    """The source domain XML with each nvdimm backed by its destination
    namespace.

    ``old_vpmems`` are the source's LibvirtVPMEMDevice objects,
    ``new_vpmems`` the destination's.  The k-th old device of a label is
    found in the XML by its devpath and gets the path and alignment of the
    k-th new device of the same label; the guest-visible size stays the
    source's (QEMU migrates the device as it is).  Raises VPMEMXMLError
    when the XML cannot be parsed, an old device's path is missing from the
    XML or appears twice, the XML has nvdimms not in ``old_vpmems``, the
    labels of old and new differ, a new namespace cannot hold the guest's
    device and its label, or the result does not validate.
    """
    rewriter = _Rewriter(instance_uuid)
    old_vpmems, new_vpmems = list(old_vpmems), list(new_vpmems)
    try:
        root = _parse(source_xml)
    except etree.XMLSyntaxError as exc:
        raise rewriter.error('the source domain XML is not well-formed: %s'
                             % exc)
    pairs = rewriter.pairs(old_vpmems, new_vpmems)
    # Find every element before changing any: a destination path may be
    # another source device's path.
    found = rewriter.locate(root, old_vpmems)
    for old, new in pairs:
        rewriter.retarget(found[old.devpath], new)
    result = etree.tostring(root, encoding='unicode')
    rewriter.validate(result)
    return result
