"""Run the same live migrations on the lab and on the simulator; compare.

    python -m nova.tests.real_libvirt.calibrate [--repeat N]
    tools/real-libvirt/calibrate           (sets the lab up and down)

Each workload (guest size, dirtying, bandwidth cap, monitor settings) is
migrated by LibvirtDriver from lab host ``a`` to ``b`` (real QEMU under
TCG) and from simulated host ``a`` to ``b`` (nova.sim, virtual clock), and
a table shows, side by side, the total time, the passes (libvirt's
memory_iteration), the downtime and the bytes moved with the relative
error of the simulation (sim - lab) / lab.

Three properties of the lab are fitted, not predicted, from the first
(idle) workload and printed: the speed of its "link" (loopback TCP, in
practice bounded by QEMU's CPU under TCG), the set-up time of a
migration (libvirt starting the destination QEMU) and the guest's own
footprint (kernel, initramfs: the non-zero memory besides what the
workload writes).  The idle row therefore matches by construction; every other
row is a prediction.
"""

import argparse
import dataclasses
import sys
import time

from nova import deployment
from nova import objects
import nova.conf
from nova.sim import clock as sim_clock
from nova.sim import libvirt as sim_libvirt
from nova.sim import model
from nova.tests.real_libvirt import lab as lab_mod
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host as libvirt_host

CONF = nova.conf.CONF
MIB = 1024 * 1024
RAM_MB = lab_mod.GUEST_RAM_MB
#: Every migration is bounded (30 s per GiB counted, the guest counts 2).
BOUND = {'live_migration_completion_timeout': 30}


@dataclasses.dataclass
class Workload:
    name: str
    dirty_mb: int
    dirty_rate: float
    opts: dict
    specs: dict = dataclasses.field(default_factory=dict)


WORKLOADS = [
    Workload('idle (fit)', 64, 0, {}),
    Workload('idle, cap 10 MiB/s', 64, 0, {'live_migration_bandwidth': 10}),
    Workload('64 MiB @ 40 MiB/s, no cap', 64, 40, {}),
    Workload('64 MiB @ 20 MiB/s, cap 10, downtime raised', 64, 20,
             {'live_migration_bandwidth': 10,
              'live_migration_downtime': 10000,
              'live_migration_downtime_steps': 3,
              'live_migration_downtime_delay': 3}),
    Workload('16 MiB @ 20 MiB/s, cap 10, auto-converge', 16, 20,
             {'live_migration_bandwidth': 10,
              'live_migration_downtime': 1500,
              'live_migration_downtime_steps': 3,
              'live_migration_downtime_delay': 75},
             {'compute:live_migration_auto_converge': 'true'}),
]


@dataclasses.dataclass
class Result:
    status: str
    total_s: float
    passes: int
    downtime_ms: int
    moved_mib: float
    note: str = ''

    @classmethod
    def of(cls, outcome, note=''):
        return cls(outcome.status, outcome.total_time_s, outcome.iterations,
                   outcome.downtime_ms, outcome.bytes_moved / MIB, note)


def run_lab(lab, workload):
    """Migrate on the lab once; a guest that fails is reported as such."""
    opts = dict(BOUND, **workload.opts)
    source = lab.driver('a', CONF, **opts)
    dest = lab.driver('b', CONF)
    instance = lab_mod.instance(workload.dirty_mb, workload.dirty_rate,
                                specs=workload.specs)
    console = lab.console(instance)
    try:
        source.spawn(instance)
        console.wait_ready()
        console.wait_alive(beats=2)
        outcome = source.live_migration(
            instance, 'b', lab_mod.migration(instance),
            target_connect_addr=dest.live_migration_inbound_addr)
        console.wait_alive(beats=2)
        return Result.of(outcome), outcome
    except lab_mod.GuestFailed as exc:
        print('  %s: the guest failed (%s)' % (workload.name, exc),
              file=sys.stderr)
        return Result('guest-failed', 0, 0, 0, 0, str(exc)), None
    finally:
        lab.destroy_everywhere(instance.uuid)


def sim_workload(workload, footprint_mb):
    """The simulator's picture of the lab guest running ``workload``."""
    written = footprint_mb + workload.dirty_mb
    zero = max(0.0, 1.0 - written / float(RAM_MB))
    if workload.dirty_rate <= 0:
        # An idle guest: its kernel's timers and the heartbeat only.
        return model.Workload(ram_mb=RAM_MB, wws_mb=1.0,
                              dirty_rate_mbps=0.05, zero_fraction=zero)
    # The lab's dirtier is CPU-bound: throttling slows all its writes.
    return model.Workload(ram_mb=RAM_MB, wws_mb=workload.dirty_mb,
                          dirty_rate_mbps=workload.dirty_rate,
                          cpu_bound_fraction=1.0, zero_fraction=zero)


def run_sim(workload, link_mbps, footprint_mb, setup_s):
    network = sim_libvirt.Network(sim_clock.VirtualClock(),
                                  bandwidth_mbps=link_mbps)
    network.setup_time_s = setup_s
    sim_libvirt.set_network(network)
    try:
        for name in ('a', 'b'):
            network.add_host('sim://%s/system' % name, name)
        conf = deployment.host_conf(dict(BOUND, **workload.opts), base=CONF)
        host = libvirt_host.Host('sim://a/system')
        source = libvirt_driver.LibvirtDriver(host, conf)
        instance = lab_mod.instance(workload.dirty_mb, workload.dirty_rate,
                                    specs=workload.specs)
        source.spawn(instance)
        host.get_connection().lookupByUUIDString(
            instance.uuid).simSetWorkload(
                sim_workload(workload, footprint_mb))
        outcome = source.live_migration(instance, 'b',
                                        lab_mod.migration(instance))
        return Result.of(outcome)
    finally:
        network.fail_all_jobs()
        sim_libvirt.set_network(None)


def fit(idle_result, idle_outcome, dirty_mb):
    """(link MiB/s, guest footprint MiB, setup s) from the idle lab
    migration: the memory rate libvirt last reported while the job ran,
    the non-zero memory moved besides the workload's, and the time the
    job took beyond moving that memory at that rate.
    """
    moved = idle_result.moved_mib
    info = idle_outcome.last_info
    bps = info.memory_bps / MIB if info is not None else 0
    link = bps or moved / max(idle_result.total_s, 0.1)
    footprint = max(0.0, moved - dirty_mb)
    setup = max(0.0, idle_result.total_s - moved / link)
    return link, footprint, setup


def _err(sim, lab):
    if not lab:
        return 'n/a'
    return '%+.0f %%' % (100.0 * (sim - lab) / lab)


def table(rows):
    head = ('workload', 'metric', 'lab', 'sim', 'error')
    lines = []
    for name, lab_r, sim_r in rows:
        metrics = (('total time (s)', lab_r.total_s, sim_r.total_s, '%.1f'),
                   ('passes', lab_r.passes, sim_r.passes, '%d'),
                   ('downtime (ms)', lab_r.downtime_ms, sim_r.downtime_ms,
                    '%d'),
                   ('moved (MiB)', lab_r.moved_mib, sim_r.moved_mib,
                    '%.0f'))
        first = True
        for metric, lv, sv, fmt in metrics:
            lines.append((name if first else '', metric,
                          fmt % lv if lab_r.status != 'guest-failed' else '-',
                          fmt % sv, _err(sv, lv)))
            first = False
        lines.append((' ', 'status', lab_r.status, sim_r.status, ''))
    widths = [max(len(str(x[i])) for x in lines + [head]) for i in range(5)]
    out = []
    fmt = '  '.join('%%-%ds' % w for w in widths)
    out.append(fmt % head)
    out.append('  '.join('-' * w for w in widths))
    for line in lines:
        out.append((fmt % line).rstrip())
    return '\n'.join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', help='run only workloads whose name '
                                       'contains this text (idle always '
                                       'runs: it is the fit)')
    args = parser.parse_args(argv)
    try:
        lab = lab_mod.load()
    except lab_mod.Unavailable as exc:
        print('cannot calibrate: %s' % exc, file=sys.stderr)
        return 2
    CONF([], project='nova', default_config_files=[])
    CONF.set_override('state_path', lab.state_path)
    objects.register_all()

    start = time.monotonic()
    rows = []
    notes = []
    link = footprint = setup = None
    for workload in WORKLOADS:
        if (rows and args.only and args.only not in workload.name):
            continue
        t0 = time.monotonic()
        lab_r, outcome = run_lab(lab, workload)
        if link is None:
            if outcome is None:
                print('the idle guest failed: nothing to fit',
                      file=sys.stderr)
                return 1
            link, footprint, setup = fit(lab_r, outcome, workload.dirty_mb)
        sim_r = run_sim(workload, link, footprint, setup)
        if outcome is not None and outcome.last_info is not None:
            notes.append('%s: the lab guest last dirtied %.2f MiB/s' % (
                workload.name,
                outcome.last_info.memory_dirty_rate / 256.0))
        print('  %s: lab %.0f s wall' % (workload.name,
                                         time.monotonic() - t0),
              file=sys.stderr)
        rows.append((workload.name, lab_r, sim_r))
        if lab_r.note:
            notes.append('%s: %s' % (workload.name, lab_r.note))
    print('fitted from the idle run: link %.0f MiB/s, set-up %.2f s, '
          'guest footprint %.0f MiB (of %d MiB RAM)' % (
              link, setup, footprint, RAM_MB))
    print(table(rows))
    for note in notes:
        print('note: ' + note)
    print('calibration took %.0f s' % (time.monotonic() - start))
    return 0


if __name__ == '__main__':
    sys.exit(main())
