"""Does this QEMU lose guest writes in a TCG live migration?

    python -m nova.tests.real_libvirt.lost_writes [--qemu PATH]
        [--data-dir DIR] [--runs N]
    tools/real-libvirt/lost-writes     (the system's QEMU and the lab's)

Boots the lab guest (writing 16 MiB at 20 MiB/s) on a plain QEMU (no
libvirt), migrates it with auto-converge over a 10 MiB/s cap to a second
QEMU started with ``-incoming -S``, as the lab's auto-converge test does,
and then -- both paused, the source in ``postmigrate`` -- saves the RAM
of both with ``pmemsave`` and compares them page by page.  A correct
migration leaves them identical; QEMU before 9.0 leaves dozens of pages
of the guest kernel stale on the destination.  Exits 1 when any page
differs.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

from nova.tests.real_libvirt import lab as lab_mod

PAGE = 4096
RAM_MB = lab_mod.GUEST_RAM_MB
PORT = 49990
READY_TIMEOUT = 90
MIGRATION_TIMEOUT = 120


class QMP(object):
    """A minimal QMP client on a unix socket."""

    def __init__(self, path):
        deadline = time.monotonic() + 10
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.stream = self.sock.makefile('rw')
        json.loads(self.stream.readline())
        self.run('qmp_capabilities')

    def run(self, command, **arguments):
        self.stream.write(json.dumps({'execute': command,
                                      'arguments': arguments}) + '\n')
        self.stream.flush()
        while True:
            reply = json.loads(self.stream.readline())
            if 'return' in reply:
                return reply['return']
            if 'error' in reply:
                raise RuntimeError('%s: %s' % (command,
                                               reply['error']['desc']))

    def close(self):
        self.sock.close()


def _start(qemu, data_dirs, guest_dir, work, name, incoming=None):
    args = [qemu]
    for directory in data_dirs:
        args += ['-L', directory]
    args += ['-machine', 'pc', '-accel', 'tcg', '-m', str(RAM_MB),
             '-nodefaults', '-display', 'none',
             '-kernel', os.path.join(guest_dir, 'vmlinux'),
             '-initrd', os.path.join(guest_dir, 'initrd.gz'),
             '-append', 'console=ttyS0 quiet dirty_mb=16 dirty_rate=20',
             '-chardev', 'file,id=serial,append=on,path=%s' % os.path.join(
                 work, 'console.log'),
             '-serial', 'chardev:serial',
             '-qmp', 'unix:%s,server=on,wait=off' % os.path.join(
                 work, name + '.qmp')]
    if incoming:
        args += ['-incoming', incoming, '-S']
    log = open(os.path.join(work, name + '.log'), 'w')
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)


def _wait_ready(console):
    deadline = time.monotonic() + READY_TIMEOUT
    while lab_mod.READY not in console.text():
        if time.monotonic() > deadline:
            raise RuntimeError('the guest did not start its workload in %d '
                               's:\n%s' % (READY_TIMEOUT, console.tail()))
        time.sleep(0.2)


def _differing_pages(work, source, dest):
    size = RAM_MB * 1024 * 1024
    dumps = []
    for qmp, name in ((source, 'source.ram'), (dest, 'dest.ram')):
        path = os.path.join(work, name)
        qmp.run('pmemsave', val=0, size=size, filename=path)
        with open(path, 'rb') as f:
            dumps.append(f.read())
        os.unlink(path)
    a, b = dumps
    return [offset for offset in range(0, size, PAGE)
            if a[offset:offset + PAGE] != b[offset:offset + PAGE]]


def migrate_once(qemu, data_dirs, guest_dir):
    """One migration; (summary dict, [differing physical addresses])."""
    with tempfile.TemporaryDirectory(prefix='lost-writes-') as work:
        procs, qmps = [], []
        try:
            procs.append(_start(qemu, data_dirs, guest_dir, work, 'source'))
            _wait_ready(lab_mod.Console(os.path.join(work, 'console.log')))
            time.sleep(2)
            uri = 'tcp:127.0.0.1:%d' % PORT
            procs.append(_start(qemu, data_dirs, guest_dir, work, 'dest',
                                incoming=uri))
            source = QMP(os.path.join(work, 'source.qmp'))
            qmps.append(source)
            dest = QMP(os.path.join(work, 'dest.qmp'))
            qmps.append(dest)
            source.run('migrate-set-capabilities', capabilities=[
                {'capability': 'auto-converge', 'state': True}])
            source.run('migrate-set-parameters', **{
                'max-bandwidth': 10 * 1024 * 1024, 'downtime-limit': 500})
            start = time.monotonic()
            source.run('migrate', uri=uri)
            throttle = 0
            while True:
                info = source.run('query-migrate')
                throttle = max(throttle,
                               info.get('cpu-throttle-percentage', 0))
                if info['status'] in ('completed', 'failed', 'cancelled'):
                    break
                if time.monotonic() - start > MIGRATION_TIMEOUT:
                    source.run('migrate_cancel')
                    raise RuntimeError('the migration did not end in %d s'
                                       % MIGRATION_TIMEOUT)
                time.sleep(0.2)
            summary = {'status': info['status'],
                       'seconds': time.monotonic() - start,
                       'passes': info.get('ram', {}).get('dirty-sync-count'),
                       'throttle': throttle}
            if info['status'] != 'completed':
                return summary, []
            while dest.run('query-status')['status'] == 'inmigrate':
                time.sleep(0.1)
            return summary, _differing_pages(work, source, dest)
        finally:
            for qmp in qmps:
                qmp.close()
            for proc in procs:
                proc.kill()
                proc.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--qemu', default='/usr/bin/qemu-system-x86_64')
    parser.add_argument('--data-dir', action='append', default=[],
                        help='firmware/ROM directory for QEMU (-L), '
                             'repeatable')
    parser.add_argument('--guest', default=os.path.join(
        os.environ.get('NOVA_LAB_DIR', '/tmp/nova-real-libvirt'), 'guest'),
        help='directory with the lab guest (vmlinux, initrd.gz)')
    parser.add_argument('--runs', type=int, default=1, choices=range(1, 21),
                        metavar='1..20')
    args = parser.parse_args(argv)
    for name in ('vmlinux', 'initrd.gz'):
        if not os.path.exists(os.path.join(args.guest, name)):
            print('no %s in %s: run tools/real-libvirt/build-guest' % (
                name, args.guest), file=sys.stderr)
            return 2
    version = subprocess.run([args.qemu, '--version'], capture_output=True,
                             text=True).stdout.splitlines()[0]
    lossy = 0
    for run in range(1, args.runs + 1):
        summary, pages = migrate_once(args.qemu, args.data_dir, args.guest)
        print('%s, run %d: %s in %.1f s, %s passes, throttle up to %d %%: '
              '%d of %d pages differ%s' % (
                  version, run, summary['status'], summary['seconds'],
                  summary['passes'], summary['throttle'], len(pages),
                  RAM_MB * 1024 * 1024 // PAGE,
                  (' (' + ' '.join('%#x' % p for p in pages[:8]) +
                   (' ...' if len(pages) > 8 else '') + ')') if pages
                  else ''))
        lossy += bool(pages)
    return 1 if lossy else 0


if __name__ == '__main__':
    sys.exit(main())
