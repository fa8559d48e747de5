"""Simulated persistent memory of a host: devdax namespaces and their data.

Every ``SimHost`` has a ``pmem`` (:class:`SimPmem`), empty unless the host
was added with ``pmem_namespaces``.  Each namespace has a character device
``/dev/daxR.N`` and a state:

``owner``
    UUID of the instance whose data the device holds, or None.
``zeroed``
    True while the device holds nothing (a new device, or one wiped by
    ``daxio -z``).

Data is written, and ``owner`` set to the domain's UUID (``zeroed``
cleared), when a domain using the device starts on the host -- booted by
``create()``/``createXML()``, or as the destination of a migration, from
the moment the incoming domain starts.  Nothing but ``daxio -z`` clears
it: after a completed migration the source devices still hold the
instance's data, and after a failed or cancelled migration so do the
destination devices.  Either must be zeroed by the caller's cleanup.
A domain that starts on a device still holding another instance's data
is recorded in :attr:`SimPmem.exposures` (real hardware would let the
new guest read it), so tests can catch a missing cleanup.

:attr:`SimPmem.runner` is a command runner for
:mod:`nova.virt.libvirt.vpmem`; it answers ``ndctl list -X`` with JSON in
ndctl's shape and performs ``daxio -z -o DEVPATH``.
"""

import json
import threading
import uuid as uuidlib
from xml.etree import ElementTree

from nova import exception
from nova.sim import constants as c

DEFAULT_ALIGN = 2 * 1024 * 1024


class SimNamespace(object):
    """A devdax namespace and what it holds."""

    def __init__(self, name, size, align, region, index):
        self.name = name
        self.size = size
        self.align = align
        self.region = region
        self.index = index
        self.uuid = str(uuidlib.uuid5(uuidlib.NAMESPACE_OID, name))
        self.owner = None
        self.zeroed = True

    @property
    def dev(self):
        return 'namespace%d.%d' % (self.region, self.index)

    @property
    def chardev(self):
        return 'dax%d.%d' % (self.region, self.index)

    @property
    def devpath(self):
        return '/dev/' + self.chardev

    def __repr__(self):
        return '<SimNamespace %s %s owner=%s zeroed=%s>' % (
            self.name, self.devpath, self.owner, self.zeroed)

    def ndctl(self):
        """This namespace as ``ndctl list -X`` describes it."""
        return {
            'dev': self.dev, 'mode': 'devdax', 'map': 'dev',
            'size': self.size, 'uuid': self.uuid, 'name': self.name,
            'daxregion': {
                'id': self.region, 'size': self.size, 'align': self.align,
                'devices': [{'chardev': self.chardev, 'size': self.size,
                             'target_node': 0, 'mode': 'devdax'}],
            },
            'align': self.align,
        }


def _spec(item):
    """(name, size, align, region) of a (name, size) pair or a dict."""
    if isinstance(item, dict):
        unknown = set(item) - {'name', 'size', 'align', 'region'}
        if unknown:
            raise ValueError('unknown pmem namespace key(s) %s'
                             % ', '.join(sorted(unknown)))
        return (item.get('name'), item.get('size'),
                item.get('align', DEFAULT_ALIGN), item.get('region', 0))
    name, size = item
    return name, size, DEFAULT_ALIGN, 0


class SimPmem(object):
    """The persistent-memory namespaces of one simulated host."""

    def __init__(self, namespaces=None, lock=None):
        self.lock = lock if lock is not None else threading.RLock()
        self._namespaces = []
        self._fail_zero = set()
        self._fail_all_zero = False
        self.commands = []
        # (devpath, previous owner, new owner) of every start on a device
        # that still held another instance's data.
        self.exposures = []
        for item in namespaces or ():
            self.add_namespace(*_spec(item))

    def add_namespace(self, name, size, align=DEFAULT_ALIGN, region=0):
        """Create a namespace on ``region``; return it."""
        with self.lock:
            if not isinstance(name, str) or not name:
                raise ValueError('a pmem namespace needs a name, got %r'
                                 % (name,))
            if any(ns.name == name for ns in self._namespaces):
                raise ValueError('pmem namespace %s already exists' % name)
            for key, value in (('size', size), ('align', align)):
                if not isinstance(value, int) or value <= 0:
                    raise ValueError('pmem namespace %s: %s must be a '
                                     'positive integer, got %r'
                                     % (name, key, value))
            index = sum(1 for ns in self._namespaces if ns.region == region)
            namespace = SimNamespace(name, size, align, region, index)
            self._namespaces.append(namespace)
            return namespace

    @property
    def namespaces(self):
        with self.lock:
            return list(self._namespaces)

    def device(self, devpath):
        """The namespace behind ``devpath``, or None."""
        with self.lock:
            for namespace in self._namespaces:
                if namespace.devpath == devpath:
                    return namespace
            return None

    def _get(self, devpath):
        namespace = self.device(devpath)
        if namespace is None:
            raise KeyError('no pmem device %s on this host' % devpath)
        return namespace

    def owner(self, devpath):
        """UUID of the instance whose data ``devpath`` holds, or None."""
        return self._get(devpath).owner

    def owners(self):
        """{namespace name: owner or None} for every namespace."""
        return {ns.name: self.owner(ns.devpath) for ns in self.namespaces}

    def is_zeroed(self, devpath):
        return self._get(devpath).zeroed

    def write(self, devpaths, owner):
        """``owner``'s guest now has its data on these devices."""
        with self.lock:
            for devpath in devpaths:
                namespace = self._get(devpath)
                if not namespace.zeroed and namespace.owner not in (
                        None, owner):
                    self.exposures.append(
                        (devpath, namespace.owner, owner))
                namespace.owner = owner
                namespace.zeroed = False

    # -- faults --------------------------------------------------------

    def fail_zero(self, devpath=None):
        """Make ``daxio -z`` fail on ``devpath`` (None: on every device)."""
        with self.lock:
            if devpath is None:
                self._fail_all_zero = True
            else:
                self._fail_zero.add(devpath)

    def clear_faults(self):
        with self.lock:
            self._fail_zero.clear()
            self._fail_all_zero = False

    # -- commands ------------------------------------------------------

    def runner(self, *argv):
        """Run ``ndctl list -X`` or ``daxio -z -o DEVPATH``; return stdout.

        Failures raise PmemCommandFailed, as the real runner does.
        """
        argv = tuple(str(arg) for arg in argv)
        cmd = ' '.join(argv)
        with self.lock:
            self.commands.append(argv)
            if argv == ('ndctl', 'list', '-X'):
                return self._ndctl_list()
            if len(argv) == 4 and argv[:3] == ('daxio', '-z', '-o'):
                return self._daxio_zero(cmd, argv[3])
            raise exception.PmemCommandFailed(
                cmd=cmd, reason='not a command the simulated host knows')

    def _ndctl_list(self):
        entries = [ns.ndctl() for ns in self._namespaces]
        if not entries:
            return ''
        # Like ndctl: a lone namespace is printed as an object.
        data = entries[0] if len(entries) == 1 else entries
        return json.dumps(data, indent=2) + '\n'

    def _daxio_zero(self, cmd, devpath):
        namespace = self.device(devpath)
        if namespace is None:
            raise exception.PmemCommandFailed(
                cmd=cmd, reason='daxio: %s: No such file or directory'
                                % devpath)
        if self._fail_all_zero or devpath in self._fail_zero:
            raise exception.PmemCommandFailed(
                cmd=cmd, reason='daxio: %s: Input/output error '
                                '(injected fault)' % devpath)
        namespace.owner = None
        namespace.zeroed = True
        return 'daxio: copied %d bytes to device "%s"\n' % (
            namespace.size, devpath)


def nvdimm_paths(xml):
    """Source paths of the nvdimm devices of a domain XML."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise c.make_error(c.VIR_ERR_XML_ERROR, str(exc))
    return [(m.findtext('source/path') or '').strip()
            for m in root.findall("devices/memory[@model='nvdimm']")]


def _cannot_open(devpath, why):
    return c.make_error(
        c.VIR_ERR_OPERATION_FAILED,
        'process exited while connecting to monitor: qemu-system-x86_64: '
        '-object memory-backend-file,mem-path=%s: could not open %s: %s'
        % (devpath, devpath, why))


def open_devices(host, xml, uuid):
    """QEMU of domain ``uuid`` starts on ``host`` with ``xml``.

    Every nvdimm path must be a namespace of the host that no other active
    domain of the host uses, else a libvirtError (VIR_ERR_OPERATION_FAILED)
    like QEMU's.  On success the devices get the domain's data.  Call with
    the network lock held, before the domain becomes active.
    """
    paths = nvdimm_paths(xml)
    if not paths:
        return
    with host.network.lock:
        for index, devpath in enumerate(paths):
            if host.pmem.device(devpath) is None:
                raise _cannot_open(devpath, 'No such file or directory')
            if devpath in paths[:index]:
                raise _cannot_open(devpath, 'Device or resource busy (two '
                                            'nvdimm devices use it)')
        for record in host.domains():
            if not record.active or record.uuid == uuid:
                continue
            for devpath in sorted(set(paths) &
                                  set(nvdimm_paths(record.xml))):
                raise _cannot_open(devpath, 'Device or resource busy (used '
                                            'by domain %s)' % record.name)
        host.pmem.write(paths, uuid)
