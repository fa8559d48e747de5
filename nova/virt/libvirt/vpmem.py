"""Host-side management of virtual persistent memory (vPMEM) namespaces.

The operator lists the namespaces a host offers in ``[libvirt]
pmem_namespaces``, grouped by label.  This module reads that option, asks
``ndctl`` what the namespaces really are, builds the Placement inventory
(one custom resource class per label), picks concrete namespaces for an
instance out of what Placement allocated, and wipes namespaces with
``daxio`` once an instance no longer uses them.

Commands go through a *runner*: any callable ``runner(*argv)`` returning
the command's standard output as text and raising
:class:`~nova.exception.PmemCommandFailed` when the command fails.  The
simulated hosts of :mod:`nova.sim.pmem` provide one; on a real host
:func:`default_runner` runs the binaries.
"""

import collections
import json
import re

from oslo_concurrency import processutils

from nova import exception
from nova.objects import resource
from nova.virt import hardware

LABEL_PATTERN = re.compile(r'[A-Za-z0-9_]+')
NDCTL_LIST = ('ndctl', 'list', '-X')
DEVDAX = 'devdax'


def _command(argv):
    return ' '.join(str(arg) for arg in argv)


# -- the option --------------------------------------------------------


def _invalid(value, reason):
    return exception.PmemNamespaceConfigInvalid(value=value, reason=reason)


def _parse_entry(entry):
    """(label, [namespace, ...]) of one ``LABEL:ns0|ns1`` entry."""
    if ':' not in entry:
        raise _invalid(entry, "an entry must be LABEL:NAMESPACE[|...]; "
                              "this one has no ':'")
    label, _sep, names = entry.partition(':')
    label = label.strip()
    if ':' in names:
        raise _invalid(entry, "an entry must be LABEL:NAMESPACE[|...] "
                              "with exactly one ':'")
    if not label:
        raise _invalid(entry, 'the label before the colon is empty')
    if not LABEL_PATTERN.fullmatch(label):
        raise _invalid(entry, 'label %r may only contain letters, digits '
                              'and underscores' % label)
    namespaces = [name.strip() for name in names.split('|')]
    if not all(namespaces):
        raise _invalid(entry, 'label %s lists an empty namespace name; '
                              'separate namespaces with a single |' % label)
    return label, namespaces


def parse_pmem_namespaces(values):
    """{label: [namespace name, ...]} of ``[libvirt] pmem_namespaces``.

    ``values`` is the option's list (a comma-separated string is accepted
    too).  Labels and namespaces keep the configured order.  Raises
    PmemNamespaceConfigInvalid naming the faulty entry for an entry without
    ':', an empty or malformed label, an empty namespace name, a label
    listed twice (also when two labels give the same resource class) and a
    namespace listed twice anywhere.
    """
    if isinstance(values, str):
        values = values.split(',')
    result = {}
    label_of_rc = {}
    label_of_namespace = {}
    for entry in values or ():
        entry = entry.strip()
        if not entry:
            continue
        label, namespaces = _parse_entry(entry)
        if label in result:
            raise _invalid(entry, 'label %s is listed twice; list all its '
                                  'namespaces in one entry' % label)
        rc = hardware.pmem_resource_class(label)
        if rc in label_of_rc:
            raise _invalid(entry, 'labels %s and %s both give the resource '
                                  'class %s; labels must differ by more '
                                  'than case' % (label_of_rc[rc], label, rc))
        label_of_rc[rc] = label
        for name in namespaces:
            if name in label_of_namespace:
                raise _invalid(entry, 'namespace %s is listed twice (under '
                                      'label %s and label %s); a namespace '
                                      'may be listed once only' % (
                                          name, label_of_namespace[name],
                                          label))
            label_of_namespace[name] = label
        result[label] = namespaces
    return result


# -- commands ----------------------------------------------------------


def default_runner(*argv):
    """Run ``argv`` on this host; return its standard output.

    Failures (a non-zero exit status, a binary that cannot be started)
    become PmemCommandFailed naming the command and its error output.
    """
    cmd = _command(argv)
    try:
        stdout, _stderr = processutils.execute(*argv)
    except processutils.ProcessExecutionError as exc:
        reason = (exc.stderr or '').strip() or (
            'exit status %s without error output' % exc.exit_code)
        raise exception.PmemCommandFailed(cmd=cmd, reason=reason)
    except OSError as exc:
        raise exception.PmemCommandFailed(cmd=cmd, reason=str(exc))
    return stdout


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _devdax_entry(cmd, namespace):
    """(size, devpath, align) of one named devdax namespace of ndctl."""
    name = namespace['name']
    region = namespace.get('daxregion')
    devices = region.get('devices') if isinstance(region, dict) else None
    if not devices or not isinstance(devices[0], dict):
        raise exception.PmemCommandFailed(
            cmd=cmd, reason='devdax namespace %s has no daxregion.devices '
                            'entry' % name)
    device = devices[0]
    chardev = device.get('chardev')
    size = device.get('size', namespace.get('size'))
    align = region.get('align')
    if not isinstance(chardev, str) or not chardev:
        raise exception.PmemCommandFailed(
            cmd=cmd, reason='devdax namespace %s has no chardev' % name)
    for field, value in (('size', size), ('daxregion.align', align)):
        if not _is_int(value) or value <= 0:
            raise exception.PmemCommandFailed(
                cmd=cmd, reason='devdax namespace %s has %s=%r; a positive '
                                'integer is expected' % (name, field, value))
    return size, '/dev/' + chardev, align


def discover(runner):
    """{namespace name: (size, devpath, align)} that ``ndctl`` reports.

    Sizes and alignments are in bytes.  Only named namespaces in devdax
    mode count.  Output that is not the JSON ndctl writes raises
    PmemCommandFailed with the reason.
    """
    cmd = _command(NDCTL_LIST)
    output = runner(*NDCTL_LIST)
    if not (output or '').strip():
        return {}  # ndctl prints nothing when there is no namespace
    try:
        data = json.loads(output)
    except ValueError as exc:
        raise exception.PmemCommandFailed(
            cmd=cmd, reason='the output is not JSON (%s)' % exc)
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise exception.PmemCommandFailed(
            cmd=cmd, reason='expected a JSON list or object of namespaces, '
                            'got %s' % type(data).__name__)
    found = {}
    dev_of = {}
    for namespace in data:
        if not isinstance(namespace, dict):
            raise exception.PmemCommandFailed(
                cmd=cmd, reason='a namespace entry is not a JSON object: '
                                '%r' % (namespace,))
        if namespace.get('mode') != DEVDAX or not namespace.get('name'):
            continue
        name = namespace['name']
        if name in found:
            raise exception.PmemCommandFailed(
                cmd=cmd, reason='two devdax namespaces are named %s (%s '
                                'and %s); names must be unique' % (
                                    name, dev_of[name],
                                    namespace.get('dev')))
        found[name] = _devdax_entry(cmd, namespace)
        dev_of[name] = namespace.get('dev')
    return found


# -- inventory, assignment, cleanup ------------------------------------


def get_vpmems(values, runner=default_runner):
    """{label: [LibvirtVPMEMDevice, ...]} this host offers.

    ``values`` is ``[libvirt] pmem_namespaces``; without it ndctl is not
    run and the answer is {}.  A configured namespace that ndctl does not
    report as a named devdax namespace raises PmemNamespaceConfigInvalid.
    """
    configured = parse_pmem_namespaces(values)
    if not configured:
        return {}
    on_host = discover(runner)
    missing = [name for names in configured.values() for name in names
               if name not in on_host]
    if missing:
        raise _invalid(
            ','.join(values) if not isinstance(values, str) else values,
            'namespace(s) %s not found on this host: `%s` reports these '
            'named devdax namespaces: %s' % (
                ', '.join(missing), _command(NDCTL_LIST),
                ', '.join(sorted(on_host)) or 'none'))
    result = {}
    for label, names in configured.items():
        result[label] = []
        for name in names:
            size, devpath, align = on_host[name]
            result[label].append(resource.LibvirtVPMEMDevice(
                label=label, name=name, size=size, devpath=devpath,
                align=align))
    return result


def inventory(vpmems_by_label):
    """Placement inventory of the namespaces: one resource class a label."""
    result = {}
    for label, devices in vpmems_by_label.items():
        if not devices:
            continue
        total = len(devices)
        result[hardware.pmem_resource_class(label)] = {
            'total': total, 'max_unit': total, 'min_unit': 1,
            'step_size': 1, 'reserved': 0, 'allocation_ratio': 1.0}
    return result


def _check_allocation(fail, labels, allocated):
    wanted = collections.Counter(
        hardware.pmem_resource_class(label) for label in labels)
    got = {rc: amount for rc, amount in (allocated or {}).items()
           if rc.startswith(hardware.PMEM_RC_PREFIX)}
    for rc in sorted(set(wanted) | set(got)):
        if wanted.get(rc, 0) != got.get(rc, 0):
            raise fail('Placement allocated %d of %s on this host but the '
                       'flavor (hw:pmem=%s) asks for %d' % (
                           got.get(rc, 0), rc, ','.join(labels),
                           wanted.get(rc, 0)))
    return wanted


def assign(instance_uuid, host, labels, vpmems_by_label, provider_uuid,
           allocated, in_use):
    """Pick the namespaces an instance gets; return a ResourceList.

    ``labels`` are the flavor's (hw:pmem) in order; ``allocated`` is the
    instance's Placement allocation on this host's provider ({resource
    class: amount}; classes other than vPMEM ones are ignored) and must
    match the labels exactly; ``in_use`` holds the names of the namespaces
    other instances already have.  Each label takes the first free
    namespaces in configured order.  Raises VPMEMAssignmentFailed.
    """
    labels = list(labels or ())

    def fail(reason):
        return exception.VPMEMAssignmentFailed(
            instance_uuid=instance_uuid, host=host, reason=reason)

    wanted = _check_allocation(fail, labels, allocated)
    by_rc = {hardware.pmem_resource_class(label): devices
             for label, devices in vpmems_by_label.items()}
    in_use = set(in_use or ())
    free = {rc: [d for d in by_rc.get(rc, ()) if d.name not in in_use]
            for rc in wanted}
    label_of_rc = {}
    for label in labels:
        label_of_rc.setdefault(
            hardware.pmem_resource_class(label), label)
    short = []
    for rc, amount in sorted(wanted.items()):
        if len(free[rc]) >= amount:
            continue
        names = ', '.join(d.name for d in free[rc]) or (
            'none' if rc in by_rc else 'none: the label is not configured '
            'on this host')
        short.append('label %s (%s): wanted %d, free %d (%s)' % (
            label_of_rc[rc], rc, amount, len(free[rc]), names))
    if short:
        raise fail('not enough free namespaces: %s' % '; '.join(short))
    resources = []
    for label in labels:
        rc = hardware.pmem_resource_class(label)
        device = free[rc].pop(0)
        resources.append(resource.Resource(
            provider_uuid=provider_uuid, resource_class=rc,
            identifier=device.name, metadata=device.obj_clone()))
    return resource.ResourceList(objects=resources)


def zero(runner, devices):
    """Wipe every device with ``daxio -z -o DEVPATH``.

    All devices are tried; if any fails, one PmemCommandFailed lists the
    failures after the last one was tried.
    """
    devices = list(devices)
    failures = []
    for device in devices:
        try:
            runner('daxio', '-z', '-o', device.devpath)
        except exception.PmemCommandFailed as exc:
            failures.append('%s (%s)' % (device.devpath, exc))
    if failures:
        raise exception.PmemCommandFailed(
            cmd='daxio -z -o DEVPATH',
            reason='%d of %d device(s) could not be zeroed and may still '
                   'hold guest data: %s' % (len(failures), len(devices),
                                            '; '.join(failures)))
