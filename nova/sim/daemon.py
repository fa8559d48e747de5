"""The simulated hypervisor as a process of its own, like libvirtd.

One daemon holds the simulated network of a lab -- every simulated host,
their guests, links and migrations -- and runs its virtual clock at the
speed of real time (``--speed`` times faster if asked).  Compute services
reach it through ``nova.sim.remote`` with libvirt-python's call shapes,
over a Unix socket.  Because the guests and the migration jobs live here,
a compute service that dies or restarts loses nothing: as with a real
libvirtd, the job goes on and the restarted service finds it.

    python -m nova.sim.daemon --socket /run/sim.sock --host h1 --host h2

Each request is one pickled tuple ``(target, key, method, args, kwargs)``:
``target`` is ``conn`` (key: the host's URI), ``dom`` (key: (URI, domain
UUID)), ``host`` (a SimHost attribute or its pmem runner) or ``net`` (the
network, for fault injection by a lab).  The answer is ``('ok', value)``,
``('domain', uuid)``, ``('domains', [uuid])`` or ``('error', err)`` with
libvirtError's error tuple.  The socket is created with mode 0600.
"""

import argparse
import os
import signal
import socket
import sys
import threading
import time

from multiprocessing import connection

from nova.sim import clock as sim_clock
from nova.sim import constants
from nova.sim import libvirt as sim_libvirt

#: Real seconds between two advances of the virtual clock.
PUMP_INTERVAL = 0.05


def host_uri(name):
    """The URI a simulated host has inside the daemon."""
    return 'sim://%s/system' % name


class Daemon(object):

    def __init__(self, path, hosts, speed=1.0, memory_mb=65536, vcpus=32,
                 disk_gb=1024, pmem_namespaces=None):
        if not 0 < speed <= 1000:
            raise ValueError('--speed must be in (0, 1000], got %r' % speed)
        self.path = path
        self.speed = speed
        self.network = sim_libvirt.Network(sim_clock.VirtualClock())
        sim_libvirt.set_network(self.network)
        for name in hosts:
            sim_host = self.network.add_host(
                host_uri(name), name, memory_mb=memory_mb, cpus=vcpus,
                pmem_namespaces=pmem_namespaces)
            sim_host.disk_gb = disk_gb
        self._stop = threading.Event()
        self._conns = {}
        self._lock = threading.Lock()

    # -- the clock ----------------------------------------------------------

    def _pump(self):
        last = time.monotonic()
        while not self._stop.wait(PUMP_INTERVAL):
            now = time.monotonic()
            self.network.clock.sleep((now - last) * self.speed)
            last = now

    # -- requests -----------------------------------------------------------

    def _connection(self, uri):
        with self._lock:
            conn = self._conns.get(uri)
            if conn is None:
                conn = self._conns[uri] = sim_libvirt.openAuth(uri)
            return conn

    def handle(self, target, key, method, args, kwargs):
        if method.startswith('_'):
            raise AttributeError('%s is not a public call' % method)
        if target == 'conn':
            obj = self._connection(key)
        elif target == 'dom':
            obj = self._connection(key[0]).lookupByUUIDString(key[1])
        elif target == 'host':
            obj = self.network.find_host(key)
            if obj is None:
                raise constants.make_error(
                    constants.VIR_ERR_SYSTEM_ERROR, 'no host %s' % key)
            if method == 'pmem_runner':
                return ('ok', obj.pmem.runner(*args))
            return ('ok', getattr(obj, method, None))
        elif target == 'net':
            obj = self.network
        else:
            raise ValueError('unknown target %r' % target)
        value = getattr(obj, method)(*args, **kwargs)
        if isinstance(value, sim_libvirt.virDomain):
            return ('domain', value.UUIDString())
        if isinstance(value, list) and value and all(
                isinstance(v, sim_libvirt.virDomain) for v in value):
            return ('domains', [v.UUIDString() for v in value])
        if target == 'net':
            return ('ok', None)
        return ('ok', value)

    def _serve_one(self, conn):
        try:
            while True:
                try:
                    request = conn.recv()
                except (EOFError, OSError):
                    return
                try:
                    answer = self.handle(*request)
                except constants.libvirtError as exc:
                    answer = ('error', exc.err)
                except Exception as exc:  # sent to the caller, not lost
                    answer = ('error', (constants.VIR_ERR_INTERNAL_ERROR,
                                        constants.VIR_FROM_NONE,
                                        '%s: %s' % (type(exc).__name__, exc),
                                        constants.VIR_ERR_ERROR, None, None,
                                        None, 0, 0))
                try:
                    conn.send(answer)
                except (OSError, ValueError):
                    return  # the client went away (a killed compute)
        finally:
            conn.close()

    def serve(self, announce=False):
        if os.path.exists(self.path):
            os.unlink(self.path)
        # Bound and listening under a private name first, then renamed:
        # whoever sees the socket's path can connect at once (a client
        # that found the path between bind() and listen() would be
        # refused).
        binding = '%s.%d.binding' % (self.path, os.getpid())
        old = os.umask(0o077)
        try:
            listener = connection.Listener(binding, family='AF_UNIX')
        finally:
            os.umask(old)
        os.rename(binding, self.path)
        threading.Thread(target=self._pump, name='sim-clock',
                         daemon=True).start()
        if announce:
            print('READY %s' % self.path, flush=True)
        try:
            while not self._stop.is_set():
                try:
                    conn = listener.accept()
                except (OSError, socket.error):
                    if self._stop.is_set():
                        break
                    raise
                threading.Thread(target=self._serve_one, args=(conn,),
                                 daemon=True).start()
        finally:
            try:
                # Unlinks the (renamed away) binding name: already gone.
                listener.close()
            except FileNotFoundError:
                pass
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass

    def stop(self, *_args):
        self._stop.set()
        # Wake accept() up.
        try:
            connection.Client(self.path, family='AF_UNIX').close()
        except OSError:
            pass


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='nova-sim-hypervisor',
        description='Run simulated hypervisors (one process for all the '
                    'hosts of a lab) behind a Unix socket.')
    parser.add_argument('--socket', required=True,
                        help='path of the Unix socket to listen on')
    parser.add_argument('--host', action='append', required=True,
                        help='a simulated host (repeat for each)')
    parser.add_argument('--speed', type=float, default=1.0,
                        help='virtual seconds per real second (default 1)')
    parser.add_argument('--memory-mb', type=int, default=65536)
    parser.add_argument('--vcpus', type=int, default=32)
    parser.add_argument('--disk-gb', type=int, default=1024)
    args = parser.parse_args(argv)
    try:
        daemon = Daemon(args.socket, args.host, speed=args.speed,
                        memory_mb=args.memory_mb, vcpus=args.vcpus,
                        disk_gb=args.disk_gb)
    except ValueError as exc:
        parser.error(str(exc))
    signal.signal(signal.SIGTERM, daemon.stop)
    daemon.serve(announce=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
