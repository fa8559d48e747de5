import ddt
from oslotest import base

from nova.sim import model


def run(mig, seconds, dt=0.05):
    """Step ``mig`` for up to ``seconds``; return the (time, iteration,
    remaining MiB, throttle) samples.
    """
    samples = []
    steps = int(round(seconds / dt))
    for _ in range(steps):
        if mig.finished:
            break
        mig.step(dt)
        samples.append((mig.elapsed, mig.iteration,
                        mig.memory_remaining_mb, mig.throttle))
    return samples


def busy(**kwargs):
    values = dict(ram_mb=4096, wws_mb=1024, dirty_rate_mbps=2048)
    values.update(kwargs)
    return model.Workload(**values)


@ddt.ddt
class WorkloadTestCase(base.BaseTestCase):

    def test_defaults(self):
        wl = model.Workload(ram_mb=1024, wws_mb=64, dirty_rate_mbps=10)
        self.assertEqual(0.0, wl.cold_dirty_rate_mbps)
        self.assertEqual(1.0, wl.cpu_bound_fraction)
        self.assertEqual(0.0, wl.zero_fraction)
        self.assertEqual(0, wl.disk_gb)
        self.assertEqual(0, wl.disk_write_rate_mbps)

    def test_idle(self):
        wl = model.Workload.idle(8)
        self.assertEqual(8, wl.ram_mb)
        self.assertEqual(8, wl.wws_mb)
        self.assertLess(wl.dirty_rate_mbps, 10)

    @ddt.data(dict(ram_mb=0), dict(wws_mb=-1), dict(dirty_rate_mbps=-1),
              dict(cpu_bound_fraction=1.5), dict(zero_fraction=1.0),
              dict(disk_gb=-1))
    def test_invalid(self, bad):
        values = dict(ram_mb=1024, wws_mb=64, dirty_rate_mbps=10)
        values.update(bad)
        self.assertRaises(ValueError, model.Workload, **values)


@ddt.ddt
class PrecopyTestCase(base.BaseTestCase):

    def test_idle_guest_takes_one_pass(self):
        mig = model.MigrationModel(model.Workload.idle(4096))
        run(mig, 60)
        self.assertEqual(model.COMPLETED, mig.mode)
        self.assertAlmostEqual(4096 / 1250.0, mig.elapsed, delta=0.1)
        self.assertEqual(1, mig.iteration)
        self.assertLessEqual(mig.downtime_ms, 300 + 50)
        tel = mig.telemetry()
        self.assertEqual(0, tel.memory_remaining)
        self.assertEqual(4096 * model.MiB, tel.memory_total)

    def test_geometric_series(self):
        # W = RAM, phi = 1, uniform writes: Akoush et al.'s series, pass
        # i lasting (M/R) lambda^i with lambda = D/R.
        ram, bw, rate = 8192.0, 1000.0, 250.0
        lam = rate / bw
        mig = model.MigrationModel(model.Workload(ram, ram, rate),
                                   bandwidth_mbps=bw, max_downtime_ms=10)
        marks = [0.0]
        iteration = mig.iteration
        while not mig.finished:
            mig.step(0.01)
            if mig.iteration != iteration:
                iteration = mig.iteration
                marks.append(mig.elapsed)
        passes = [b - a for a, b in zip(marks, marks[1:])]
        self.assertGreaterEqual(len(passes), 3)
        self.assertAlmostEqual(ram / bw, passes[0], delta=0.05)
        for before, after in zip(passes, passes[1:]):
            self.assertAlmostEqual(lam, after / before, delta=0.1 * lam + .01)
        n = len(passes) - 1
        series = (ram / bw) * (1 - lam ** (n + 1)) / (1 - lam)
        self.assertAlmostEqual(series, sum(passes), delta=0.1 * series)
        self.assertEqual(model.COMPLETED, mig.mode)

    def test_busy_guest_plateaus(self):
        mig = model.MigrationModel(busy())
        samples = run(mig, 300)
        self.assertFalse(mig.finished)
        self.assertGreater(mig.iteration, 200)
        tail = [rem for _t, _i, rem, _p in samples[-2000:]]
        threshold = 1250 * 0.3
        self.assertGreater(min(tail), threshold)
        self.assertLess(max(tail), 1024)
        self.assertIsNone(mig.downtime_ms)

    @ddt.data(600, 820, 1000)
    def test_raising_downtime_converges(self, downtime):
        mig = model.MigrationModel(busy())
        run(mig, 30)
        self.assertFalse(mig.finished)
        mig.max_downtime_ms = downtime
        run(mig, 2)
        self.assertEqual(model.COMPLETED, mig.mode)
        self.assertLessEqual(mig.downtime_ms, downtime + 50)

    def test_auto_converge_schedule(self):
        mig = model.MigrationModel(busy(), auto_converge=True)
        samples = run(mig, 120)
        self.assertEqual(model.COMPLETED, mig.mode)
        steps = sorted({p for _t, _i, _r, p in samples} - {0})
        self.assertEqual(20, steps[0])
        self.assertEqual(list(range(20, steps[-1] + 1, 10)), steps)

    def test_auto_converge_custom_and_capped(self):
        mig = model.MigrationModel(busy(dirty_rate_mbps=8192,
                                        cpu_bound_fraction=0.1),
                                   auto_converge=True,
                                   auto_converge_initial=50,
                                   auto_converge_increment=30)
        samples = run(mig, 60)
        steps = sorted({p for _t, _i, _r, p in samples} - {0})
        self.assertEqual([50, 80, 99], steps)
        self.assertFalse(mig.finished)

    def test_no_throttle_without_auto_converge(self):
        mig = model.MigrationModel(busy())
        run(mig, 60)
        self.assertEqual(0, mig.throttle)

    def test_pausing_guest_converges(self):
        mig = model.MigrationModel(busy())
        run(mig, 20)
        mig.pause_guest()
        self.assertEqual(model.PAUSED_PRECOPY, mig.mode)
        run(mig, 3)
        self.assertEqual(model.COMPLETED, mig.mode)
        self.assertLessEqual(mig.downtime_ms, 350)

    def test_zero_pages_are_cheap(self):
        mig = model.MigrationModel(model.Workload(4096, 1, 0.0,
                                                  zero_fraction=0.5))
        run(mig, 10)
        self.assertEqual(model.COMPLETED, mig.mode)
        self.assertAlmostEqual(2048 / 1250.0, mig.elapsed, delta=0.1)
        tel = mig.telemetry()
        self.assertGreater(tel.memory_constant, 0)
        self.assertEqual(4096 * model.PAGES_PER_MIB,
                         tel.memory_constant + tel.memory_normal)

    def test_cold_writes_add_to_the_next_pass(self):
        mig = model.MigrationModel(model.Workload(4096, 0, 0.0,
                                                  cold_dirty_rate_mbps=200),
                                   max_downtime_ms=10)
        run(mig, 10)
        self.assertGreaterEqual(mig.iteration, 3)
        self.assertEqual(model.COMPLETED, mig.mode)

    def test_telemetry_rates(self):
        mig = model.MigrationModel(busy())
        run(mig, 10)
        tel = mig.telemetry()
        self.assertAlmostEqual(1250 * model.MiB, tel.memory_bps,
                               delta=0.02 * 1250 * model.MiB)
        self.assertGreater(tel.memory_dirty_rate, 0)
        self.assertEqual(tel.memory_normal * model.PAGE_SIZE,
                         tel.memory_normal_bytes)
        self.assertEqual(10000, tel.time_elapsed_ms)

    def test_link_outage(self):
        mig = model.MigrationModel(busy())
        run(mig, 5)
        mig.link_bandwidth = 0
        run(mig, 29)
        self.assertEqual(model.PRECOPY, mig.mode)
        run(mig, 2)
        self.assertEqual(model.FAILED, mig.mode)
        self.assertIn('keepalive', mig.reason)

    def test_bandwidth_cap(self):
        mig = model.MigrationModel(model.Workload.idle(2048),
                                   max_bandwidth_mbps=256)
        self.assertEqual(256, mig.bandwidth)
        run(mig, 20)
        self.assertAlmostEqual(2048 / 256.0, mig.elapsed, delta=0.5)


class PostcopyAndControlTestCase(base.BaseTestCase):

    def test_postcopy_needs_enabling(self):
        mig = model.MigrationModel(busy())
        self.assertRaises(model.PostcopyNotEnabled, mig.start_postcopy)
        self.assertEqual(model.PRECOPY, mig.mode)

    def test_postcopy_completes(self):
        mig = model.MigrationModel(busy(), postcopy_enabled=True)
        run(mig, 10)
        remaining = mig.memory_remaining_mb
        mig.start_postcopy()
        self.assertEqual(model.POSTCOPY, mig.mode)
        self.assertAlmostEqual(50 + 1000.0 / 1250, mig.downtime_ms)
        self.assertRaises(model.InvalidState, mig.start_postcopy)
        self.assertRaises(model.InvalidState, mig.cancel)
        samples = run(mig, 5)
        self.assertEqual(model.COMPLETED, mig.mode)
        self.assertAlmostEqual(remaining / 1250.0, len(samples) * 0.05,
                               delta=0.1)
        self.assertGreater(mig.telemetry().memory_postcopy_requests, 0)

    def test_short_outage_in_postcopy_stalls_the_guest(self):
        # The model used to lose the guest at the first tick without a
        # link; QEMU only stalls the vCPUs that touch a missing page.
        mig = model.MigrationModel(busy(), postcopy_enabled=True)
        run(mig, 5)
        mig.start_postcopy()
        stop = mig.stop_s
        mig.link_bandwidth = 0
        run(mig, 10)
        self.assertEqual(model.POSTCOPY, mig.mode)
        # The busy guest needs pages still on the source: it stalls.
        self.assertAlmostEqual(10.0, mig.stop_s - stop, delta=0.06)
        self.assertGreaterEqual(mig.blocktime_s, 10.0)
        mig.link_bandwidth = 1250
        run(mig, 10)
        self.assertEqual(model.COMPLETED, mig.mode)

    def test_long_outage_in_postcopy_pauses_it(self):
        mig = model.MigrationModel(busy(), postcopy_enabled=True)
        run(mig, 5)
        mig.start_postcopy()
        mig.link_bandwidth = 0
        run(mig, 29)
        self.assertEqual(model.POSTCOPY, mig.mode)
        run(mig, 2)
        self.assertEqual(model.POSTCOPY_PAUSED, mig.mode)
        self.assertTrue(mig.in_postcopy)
        self.assertFalse(mig.finished)
        self.assertIn('keepalive', mig.reason)
        self.assertRaises(model.InvalidState, mig.cancel)
        # Resumed once the link is back, it completes.
        mig.link_bandwidth = 1250
        run(mig, 5)
        self.assertEqual(model.POSTCOPY_PAUSED, mig.mode)
        mig.resume_postcopy()
        self.assertRaises(model.InvalidState, mig.resume_postcopy)
        run(mig, 10)
        self.assertEqual(model.COMPLETED, mig.mode)
        # Not resumed, it is lost.
        mig = model.MigrationModel(busy(), postcopy_enabled=True)
        run(mig, 5)
        mig.start_postcopy()
        mig.link_bandwidth = 0
        run(mig, 31)
        mig.fail('given up')
        self.assertEqual(model.LOST, mig.mode)

    def test_postcopy_waits_for_the_link(self):
        # Asked to switch while the link is down, QEMU cannot send the
        # device state: the guest keeps running on the source.
        mig = model.MigrationModel(busy(), postcopy_enabled=True)
        run(mig, 5)
        mig.link_bandwidth = 0
        run(mig, 1)
        mig.start_postcopy()
        run(mig, 5)
        self.assertEqual(model.PRECOPY, mig.mode)
        mig.link_bandwidth = 1250
        run(mig, 0.1)
        self.assertEqual(model.POSTCOPY, mig.mode)
        # ... and if the link never comes back, pre-copy fails safely.
        mig = model.MigrationModel(busy(), postcopy_enabled=True)
        run(mig, 5)
        mig.link_bandwidth = 0
        mig.start_postcopy()
        run(mig, 40)
        self.assertEqual(model.FAILED, mig.mode)

    def test_fail_and_cancel(self):
        mig = model.MigrationModel(busy())
        mig.cancel()
        self.assertEqual(model.CANCELLED, mig.mode)
        self.assertRaises(model.InvalidState, mig.cancel)
        mig.step(1.0)
        self.assertEqual(0.0, mig.elapsed)

        mig = model.MigrationModel(busy(), postcopy_enabled=True)
        mig.fail('boom')
        self.assertEqual(model.FAILED, mig.mode)
        mig = model.MigrationModel(busy(), postcopy_enabled=True)
        mig.start_postcopy()
        mig.fail('boom')
        self.assertEqual(model.LOST, mig.mode)

    def test_block_migration_copies_disk_first(self):
        wl = model.Workload(2048, 16, 1.0, disk_gb=5,
                            disk_write_rate_mbps=10)
        mig = model.MigrationModel(wl, block_migration=True,
                                   postcopy_enabled=True)
        run(mig, 2)
        self.assertTrue(mig.disk_phase)
        self.assertEqual(0, mig.iteration)
        self.assertEqual(0, mig.memory_processed)
        self.assertGreater(mig.disk_processed, 2000)
        mig.start_postcopy()   # deferred until memory starts
        self.assertEqual(model.PRECOPY, mig.mode)
        for _ in range(200):
            if not mig.disk_phase:
                break
            mig.step(0.05)
        self.assertFalse(mig.disk_phase)
        self.assertAlmostEqual(5 * 1024 / 1250.0, mig.elapsed, delta=0.2)
        self.assertEqual(model.POSTCOPY, mig.mode)
        run(mig, 10)
        self.assertEqual(model.COMPLETED, mig.mode)
        tel = mig.telemetry()
        self.assertEqual(5 * 1024 * model.MiB, tel.disk_total)
        self.assertEqual(0, tel.disk_remaining)
        self.assertGreater(tel.disk_processed, tel.disk_total)


class PostcopyFaultsTestCase(base.BaseTestCase):
    """Item 3: first touches of missing pages cost the guest."""

    def switched(self, **kwargs):
        values = dict(ram_mb=8192, wws_mb=2048, dirty_rate_mbps=4096)
        values.update(kwargs.pop('workload', {}))
        mig = model.MigrationModel(model.Workload(**values),
                                   postcopy_enabled=True, **kwargs)
        run(mig, 5)
        mig.start_postcopy()
        return mig

    def test_faults_slow_the_guest_and_count_as_requests(self):
        mig = self.switched(vcpus=4)
        speed, faults = mig.fault_slowdown(1250)
        self.assertLess(speed, 0.5)
        self.assertGreater(faults, 0)
        run(mig, 20)
        self.assertEqual(model.COMPLETED, mig.mode)
        report = mig.guest_report()
        self.assertGreater(report['blocktime_s'], 0.5)
        self.assertEqual(report['postcopy_requests'],
                         mig.telemetry().memory_postcopy_requests)
        self.assertGreater(report['postcopy_requests'], 1000)
        # Never more requests than pages of the working set.
        self.assertLessEqual(report['postcopy_requests'],
                             2048 * model.PAGES_PER_MIB)

    def test_fault_cost_grows_with_the_round_trip(self):
        near = self.switched(rtt_s=0.0001)
        far = self.switched(rtt_s=0.005)
        self.assertGreater(near.fault_slowdown(1250)[0],
                           far.fault_slowdown(1250)[0])
        run(near, 30)
        run(far, 30)
        self.assertLess(near.blocktime_s, far.blocktime_s)

    def test_more_vcpus_wait_in_parallel(self):
        one = self.switched(vcpus=1).fault_slowdown(1250)[0]
        eight = self.switched(vcpus=8).fault_slowdown(1250)[0]
        self.assertLess(one, eight)

    def test_queueing_when_requests_crowd_the_link(self):
        # At 10 MiB/s a page takes 0.4 ms on the wire: the requests queue.
        mig = self.switched(vcpus=64, rtt_s=0.0)
        fast, _ = mig.fault_slowdown(100000)
        slow, faults = mig.fault_slowdown(10)
        self.assertLess(slow, fast)
        # The link carries at most its bandwidth in requested pages.
        self.assertLessEqual(faults / model.PAGES_PER_MIB, 10)

    def test_idle_or_paused_guest_does_not_fault(self):
        mig = self.switched(workload=dict(dirty_rate_mbps=0))
        self.assertEqual((1.0, 0.0), mig.fault_slowdown(1250))
        mig = self.switched()
        mig.pause_guest()
        self.assertEqual((1.0, 0.0), mig.fault_slowdown(1250))


class WorkloadChangeTestCase(base.BaseTestCase):
    """Item 1: dirty pages stay dirty until they are sent."""

    def test_shrinking_working_set_keeps_dirty_pages(self):
        # 4 GiB written at 2 GiB/s over 1000 MiB/s: after 12 s (first
        # pass done) about 4 GiB are dirty again.  The guest then calms
        # down to 64 MiB: the 4 GiB must still be sent.
        mig = model.MigrationModel(model.Workload(8192, 4096, 2048),
                                   bandwidth_mbps=1000)
        run(mig, 12)
        dirty = mig.remaining_mb
        sent = mig.memory_processed
        self.assertGreater(dirty, 3500)
        mig.set_workload(model.Workload(8192, 64, 10))
        self.assertAlmostEqual(dirty, mig.remaining_mb)
        run(mig, 60)
        self.assertEqual(model.COMPLETED, mig.mode)
        # Physically: every dirty page crosses the link once more.
        self.assertGreaterEqual(mig.memory_processed, sent + dirty - 1)
        self.assertGreaterEqual(mig.elapsed, 12 + (dirty - 300) / 1000.0)

    def test_growing_working_set(self):
        mig = model.MigrationModel(model.Workload(4096, 64, 10))
        run(mig, 1)
        mig.set_workload(model.Workload(4096, 1024, 2048))
        run(mig, 5)
        self.assertGreater(mig.remaining_mb, 500)


class GuestReportTestCase(base.BaseTestCase):

    def test_pause_counts_as_stop_not_downtime(self):
        mig = model.MigrationModel(busy())
        run(mig, 10)
        mig.pause_guest()
        run(mig, 5)
        self.assertEqual(model.COMPLETED, mig.mode)
        report = mig.guest_report()
        self.assertGreater(report['stop_s'], mig.downtime_ms / 1000.0)
        self.assertLess(mig.downtime_ms, 400)

    def test_throttle_counts_vcpu_seconds(self):
        mig = model.MigrationModel(busy(), auto_converge=True, vcpus=4)
        run(mig, 120)
        report = mig.guest_report()
        self.assertGreater(report['throttled_vcpu_s'], 0)
        self.assertLessEqual(report['throttled_vcpu_s'],
                             0.99 * 4 * mig.elapsed)
        self.assertEqual(0.0, report['blocktime_s'])


class CalibratedPhysicsTestCase(base.BaseTestCase):
    """What the calibration against real QEMU changed in the model."""

    def test_final_copy_ignores_the_bandwidth_cap(self):
        # 10 MiB/s cap, 1250 MiB/s link: QEMU decides with the capped rate
        # but sends the last pages uncapped.
        mig = model.MigrationModel(busy(ram_mb=256, wws_mb=64,
                                        dirty_rate_mbps=20),
                                   max_bandwidth_mbps=10,
                                   max_downtime_ms=8000)
        run(mig, 120)
        self.assertEqual(model.COMPLETED, mig.mode)
        # At most 10 MiB/s x 8 s = 80 MiB left, sent at 1250 MiB/s (at
        # the capped rate it would have been seconds).
        self.assertLess(mig.downtime_ms, 50 + 80 / 1250.0 * 1000 + 1)

    def test_reported_iterations_count_qemu_bitmap_syncs(self):
        # One pass, ended early by the switch-over: QEMU synced at the
        # start, to find the pass could end, and inside the final copy.
        mig = model.MigrationModel(model.Workload.idle(1024))
        run(mig, 10)
        self.assertEqual(1, mig.iteration)
        self.assertEqual(3, mig.telemetry().memory_iteration)

    def test_setup_time_moves_nothing(self):
        mig = model.MigrationModel(model.Workload.idle(1250),
                                   setup_time_s=0.5)
        run(mig, 0.5)
        self.assertEqual(0, mig.memory_processed)
        self.assertAlmostEqual(0.5, mig.elapsed)
        run(mig, 10)
        self.assertEqual(model.COMPLETED, mig.mode)
        self.assertAlmostEqual(1.5, mig.elapsed, delta=0.1)
