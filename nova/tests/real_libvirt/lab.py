"""The real-libvirt lab as the tests and the calibration see it.

``tools/real-libvirt/setup`` starts two libvirtd daemons, ``a`` and ``b``,
on this machine and writes an environment file naming their URIs, the
guest kernel and initramfs and the lab's state directories;
``NOVA_REAL_LIBVIRT_LAB`` gives its path.  :func:`load` reads it, or says
why the lab cannot be used.  Each host is driven by the project's own
LibvirtDriver; guests are the lab's tiny Linux whose init runs a program
that dirties memory at a set rate and prints a heartbeat on the serial
console, which both hosts append to the same file.
"""

import os
import re
import time

from oslo_utils import uuidutils

from nova import deployment
from nova import objects
from nova.objects import fields
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host as libvirt_host

ENV_VAR = 'NOVA_REAL_LIBVIRT_LAB'
#: Set by tools/real-libvirt/run-tests when the machine cannot run the lab.
REASON_VAR = 'NOVA_REAL_LIBVIRT_UNAVAILABLE'
HOSTS = ('a', 'b')
GUEST_RAM_MB = 256
READY = 'dirtier: ready'
HEARTBEAT = re.compile(r'^heartbeat (\d+)', re.M)
#: What the guest kernel prints when it crashes or finds a bug.
CRASH = re.compile(r'Kernel panic|BUG: |Oops: |general protection fault')
#: What the workload prints when a page lost a write (see dirtier.c).
LOST_WRITE = re.compile(r'dirtier: LOST WRITE')
BOOT_TIMEOUT = 90


class Unavailable(Exception):
    """The lab cannot be used; the message says why."""


class GuestFailed(Exception):
    """The guest is not well although libvirt says it runs: its kernel
    crashed, it hangs, or its workload found a memory write lost.
    """

    def __init__(self, message, console_tail):
        super().__init__(message)
        self.console_tail = console_tail


def _read_env(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#') and '=' in line:
                key, value = line.split('=', 1)
                values[key] = value
    return values


def load():
    """The Lab described by $NOVA_REAL_LIBVIRT_LAB; Unavailable if none."""
    path = os.environ.get(ENV_VAR)
    if not path:
        raise Unavailable(os.environ.get(REASON_VAR) or (
            '%s is not set: run tools/real-libvirt/run-tests (or '
            'tools/real-libvirt/setup and point %s at its lab.env)'
            % (ENV_VAR, ENV_VAR)))
    if not os.path.exists(path):
        raise Unavailable('%s names %s, which does not exist: is the lab '
                          'up (tools/real-libvirt/setup)?' % (ENV_VAR, path))
    try:
        import libvirt  # noqa: F401
    except ImportError:
        raise Unavailable('libvirt-python is not installed in this Python '
                          '(tools/real-libvirt/setup installs it)')
    return Lab(_read_env(path))


class Console(object):
    """The guest's serial console file, shared by both hosts."""

    def __init__(self, path):
        self.path = path

    def text(self):
        try:
            with open(self.path, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def tail(self, lines=25):
        return '\n'.join(self.text().splitlines()[-lines:])

    def heartbeats(self):
        """How many heartbeat lines the guest printed so far."""
        return len(HEARTBEAT.findall(self.text()))

    def crashed(self):
        return bool(CRASH.search(self.text()))

    def problems(self):
        """Lines in which the guest kernel reported a crash or a bug, or
        the workload a lost write.
        """
        return [line for line in self.text().splitlines()
                if CRASH.search(line) or LOST_WRITE.search(line)]

    def wait_ready(self, timeout=BOOT_TIMEOUT):
        """Wait until the workload runs; returns the seconds it took."""
        start = time.monotonic()
        while READY not in self.text():
            if self.crashed():
                raise GuestFailed('the guest kernel crashed while booting',
                                  self.tail())
            if time.monotonic() - start > timeout:
                raise AssertionError(
                    'the guest did not start its workload within %d s; '
                    'console:\n%s' % (timeout, self.tail()))
            time.sleep(0.2)
        return time.monotonic() - start

    def wait_alive(self, beats=2, timeout=10):
        """Wait for ``beats`` new heartbeats from an intact guest.

        GuestFailed if they don't come, if the guest kernel reported a
        crash or a bug, or if the workload found a page that lost a
        write (it checks every page before rewriting it, and the whole
        area at each heartbeat when idle).
        """
        start_count = self.heartbeats()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.heartbeats() >= start_count + beats or self.crashed():
                break
            time.sleep(0.2)
        problems = self.problems()
        if problems:
            raise GuestFailed('the guest is not well: %s' % '; '.join(
                line.strip() for line in problems[:3]), self.tail())
        if self.heartbeats() < start_count + beats:
            raise GuestFailed(
                'the guest printed %d heartbeat(s) in %d s (it hangs)' % (
                    self.heartbeats() - start_count, timeout),
                self.tail())


class Lab(object):

    def __init__(self, env):
        self.env = env
        self.dir = env['NOVA_LAB_DIR']
        self.uris = {'a': env['NOVA_LAB_URI_A'], 'b': env['NOVA_LAB_URI_B']}
        self.uri_template = env['NOVA_LAB_URI_TEMPLATE']
        self.migration_addr = env['NOVA_LAB_MIGRATION_ADDR']
        self.kernel = env['NOVA_LAB_KERNEL']
        self.initrd = env['NOVA_LAB_INITRD']
        self.state_path = env['NOVA_LAB_STATE_PATH']
        self.pmem_dir = env['NOVA_LAB_PMEM_DIR']
        self._observers = {}

    def libvirt_opts(self, **overrides):
        """[libvirt] options of a lab host, with ``overrides`` on top."""
        opts = {
            'virt_type': 'qemu',
            'guest_kernel': self.kernel,
            'guest_initrd': self.initrd,
            'live_migration_uri_template': self.uri_template,
            'live_migration_inbound_addr': self.migration_addr,
        }
        opts.update(overrides)
        return opts

    def driver(self, name, conf_base, runner=None, **libvirt_opts):
        """A LibvirtDriver for lab host ``name`` ('a' or 'b').

        ``conf_base`` must have ``state_path`` set to the lab's.
        """
        conf = deployment.host_conf(self.libvirt_opts(**libvirt_opts),
                                    base=conf_base)
        return libvirt_driver.LibvirtDriver(
            libvirt_host.Host(self.uris[name]), conf, runner=runner)

    def observer(self, name):
        """A Host on lab host ``name`` for looking, never for acting."""
        if name not in self._observers:
            self._observers[name] = libvirt_host.Host(self.uris[name])
        return self._observers[name]

    def where(self, uuid):
        """{host name: running?} for every lab host that has the domain."""
        found = {}
        for name in HOSTS:
            guest = self.observer(name).find_guest(uuid)
            if guest is not None:
                found[name] = guest.is_running()
        return found

    def console(self, instance):
        return Console(os.path.join(self.state_path, 'instances',
                                    instance.uuid, 'console.log'))

    def destroy_everywhere(self, uuid):
        for name in HOSTS:
            guest = self.observer(name).find_guest(uuid)
            if guest is not None:
                guest.destroy()


def instance(dirty_mb=64, dirty_rate=0, memory_mb=GUEST_RAM_MB, specs=None,
             host='a', resources=None):
    """An Instance whose guest dirties ``dirty_mb`` MiB at ``dirty_rate``
    MiB/s (0: writes once, then idles).
    """
    cmdline = 'quiet dirty_mb=%d dirty_rate=%g' % (dirty_mb, dirty_rate)
    return objects.Instance(
        uuid=uuidutils.generate_uuid(), project_id='lab', user_id='lab',
        host=host, node=host, vm_state=fields.VMState.ACTIVE,
        image_ref=None,
        system_metadata={'image_os_command_line': cmdline},
        flavor=objects.Flavor(flavorid='lab', name='lab', vcpus=1,
                              memory_mb=memory_mb,
                              extra_specs=dict(specs or {})),
        resources=resources, migration_context=None)


def migration(instance, source='a', dest='b'):
    return objects.Migration(
        uuid=uuidutils.generate_uuid(), instance_uuid=instance.uuid,
        migration_type=fields.MigrationType.LIVE_MIGRATION,
        status=fields.MigrationStatus.QUEUED, source_compute=source,
        dest_compute=dest)
