"""Numbers of the services as processes (a benchmark, not a test).

Prints, on the lab of tools/multinode (run through
``tools/multinode/benchmark``):

* RPC round trip: a call from this process to a compute service and back
  over RabbitMQ (and, for comparison, the same call on the embedded
  local transport);
* "API request to migration started": from ``live_migrate_async`` to the
  source reporting the migration ``running`` in its record;
* how many live migrations one conductor sustains at once on the
  simulator: N migrations asked at the same time, the most seen running
  together, how long until all ended, and how many completed.

Every loop is bounded in count and time.
"""

import argparse
import statistics
import sys
import threading
import time

from oslo_utils import uuidutils

from nova.objects import fields
from nova.tests.multinode import cloud as multinode

STATUS = fields.MigrationStatus


def _ms(samples):
    samples = sorted(samples)
    return 'median %.2f ms, p90 %.2f ms (n=%d)' % (
        statistics.median(samples) * 1000,
        samples[int(len(samples) * 0.9) - 1] * 1000, len(samples))


def _instance():
    from nova import objects
    return objects.Instance(uuid=uuidutils.generate_uuid(), host='h1',
                            flavor=_flavor(1024))


def rpc_round_trip(c, calls, with_object=False):
    rpcapi = c.compute_rpcapi
    inst = _instance()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        if with_object:
            rpcapi.guest_power_state(c.ctxt, 'h1', inst)
        else:
            rpcapi.hypervisor_guests(c.ctxt, 'h1')
        times.append(time.perf_counter() - start)
    return times


def local_round_trip(calls, with_object=False):
    import oslo_messaging as messaging

    from nova import context
    from nova import rpc

    class Endpoint(object):
        target = messaging.Target(version=rpc.RPC_VERSION)

        def hypervisor_guests(self, ctxt):
            return {}

        def guest_power_state(self, ctxt, instance):
            return None

    transport = rpc.LocalTransport()
    rpc.get_server(transport, messaging.Target(topic='compute', server='h1'),
                   [Endpoint()], 'nova-compute').start()
    client = rpc.get_client(transport, messaging.Target(
        topic='compute')).prepare(server='h1')
    ctxt = context.get_admin_context()
    inst = _instance()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        if with_object:
            client.call(ctxt, 'guest_power_state', instance=inst)
        else:
            client.call(ctxt, 'hypervisor_guests')
        times.append(time.perf_counter() - start)
    return times


def _flavor(memory_mb):
    from nova import objects
    return objects.Flavor(flavorid='b', name='b', vcpus=1,
                          memory_mb=memory_mb, root_gb=1, extra_specs={})


def _boot(c, host, memory_mb):
    return c.api.create(c.ctxt, _flavor(memory_mb),
                        {'id': uuidutils.generate_uuid()}, host=host)


def _last_migration(c, inst):
    from nova import objects
    return objects.Migration.get_by_instance(c.ctxt, inst.uuid)[-1]


def request_to_started(c, rounds):
    times = []
    for i in range(rounds):
        src, dst = ('h1', 'h2') if i % 2 == 0 else ('h2', 'h1')
        inst = _boot(c, src, 1024)
        start = time.perf_counter()
        c.api.live_migrate_async(c.ctxt, inst, host=dst)
        multinode.wait_for('the migration to run', lambda: _last_migration(
            c, inst).status in (STATUS.RUNNING, STATUS.POST_COPY) + tuple(
            STATUS.FINAL), timeout=60, interval=0.01)
        times.append(time.perf_counter() - start)
        multinode.wait_for('the migration to end', lambda: _last_migration(
            c, inst).is_final, timeout=120)
    return times


def concurrent_migrations(c, count, memory_mb):
    instances = [_boot(c, 'h1', memory_mb) for _ in range(count)]
    c.network('set_link_bandwidth', 'sim://h1/system', 'sim://h2/system',
              500)
    errors = []

    def ask(inst):
        try:
            c.api.live_migrate_async(c.ctxt, inst, host='h2')
        except Exception as exc:
            errors.append('%s: %s' % (type(exc).__name__, exc))

    start = time.perf_counter()
    threads = [threading.Thread(target=ask, args=(i,)) for i in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    most = 0
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        statuses = [_last_migration(c, i).status for i in instances]
        running = sum(s in (STATUS.RUNNING, STATUS.POST_COPY)
                      for s in statuses)
        most = max(most, running)
        if all(s in STATUS.FINAL for s in statuses):
            break
        time.sleep(0.2)
    took = time.perf_counter() - start
    statuses = [_last_migration(c, i).status for i in instances]
    return most, took, statuses.count(STATUS.COMPLETED), errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--calls', type=int, default=200)
    parser.add_argument('--rounds', type=int, default=10)
    parser.add_argument('--concurrent', type=int, default=8)
    args = parser.parse_args(argv)
    for name, value, top in (('--calls', args.calls, 10000),
                             ('--rounds', args.rounds, 100),
                             ('--concurrent', args.concurrent, 32)):
        if not 1 <= value <= top:
            parser.error('%s must be between 1 and %d, got %d' % (
                name, top, value))
    import nova.conf
    nova.conf.CONF([], project='nova', default_config_files=[])
    c = multinode.Cloud('bench%s' % uuidutils.generate_uuid(
        dashed=False)[:8], hosts=('h1', 'h2'))
    try:
        c.start()
        for label, obj in (('', False), (', an Instance argument', True)):
            print('RPC round trip over RabbitMQ%s: %s' % (
                label, _ms(rpc_round_trip(c, args.calls, obj))))
            print('RPC round trip on the embedded local transport%s: %s'
                  % (label, _ms(local_round_trip(args.calls, obj))))
        print('API request to migration started:                %s'
              % _ms(request_to_started(c, args.rounds)))
        most, took, done, errors = concurrent_migrations(
            c, args.concurrent, 1024)
        print('Concurrent live migrations through one conductor: %d asked '
              'at once, %d running together at most, %d completed, all '
              'ended in %.1f s%s' % (
                  args.concurrent, most, done, took,
                  '; refused: %s' % errors if errors else ''))
    finally:
        c.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
