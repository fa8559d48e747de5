"""The live-migration monitor's decisions, fed with synthetic job stats."""

import types

import ddt

from nova import exception
from nova.objects import fields
from nova import test
from nova.virt.libvirt import job as jobinfo
from nova.virt.libvirt import migration

MIB = 1024 * 1024
GIB = 1024 * MIB
A = migration.Action
P = migration.Phase
S = fields.MigrationStatus


def _job(remaining, iteration=1, total=4 * GIB, type=jobinfo.JOB_UNBOUNDED,
         **kw):
    """A job whose data is all memory unless ``kw`` says otherwise."""
    values = dict(type=type, data_total=total, data_remaining=remaining,
                  data_processed=total - remaining, memory_total=total,
                  memory_remaining=remaining,
                  memory_processed=total - remaining,
                  memory_iteration=iteration)
    values.update(kw)
    return jobinfo.JobInfo(**values)


def _stalled(t, **kw):
    """Passes of 2 s that always drop from 1 GiB to the same 512 MiB."""
    remaining = GIB if int(t) % 2 == 0 else 512 * MIB
    return _job(remaining, iteration=1 + int(t) // 2, **kw)


def _first_stall(watch, samples):
    for now, job in samples:
        if watch.update(now, job):
            return now
    return None


DEFAULT_SCHEDULE = [(300 * i, 50 + 45 * i) for i in range(11)]


@ddt.ddt
class PureFunctionsTestCase(test.NoDBTestCase):

    @ddt.data(
        (512, (), 2),            # floored at 2 GiB
        (2048, (), 2),
        (2049, (), 3),           # rounded up
        (4096, (), 4),
        (4096, (1,), 6),         # a disk is floored at 2 GiB too
        (4096, (10, 2.5), 17),   # 4 + 10 + 3
        (0, (0, 0), 6),
    )
    @ddt.unpack
    def test_data_gib(self, ram_mb, disks, expected):
        self.assertEqual(expected, migration.data_gib(ram_mb, disks))

    @ddt.data(
        ((500, 10, 75, 4), DEFAULT_SCHEDULE),
        ((400, 3, 10, 2), [(0, 133), (20, 222), (40, 311), (60, 400)]),
        ((100, 3, 3, 2), [(0, 33), (6, 55), (12, 77), (18, 100)]),
        ((1000, 4, 5, 3), [(0, 250), (15, 437), (30, 625), (45, 812),
                           (60, 1000)]),
    )
    @ddt.unpack
    def test_downtime_steps(self, args, expected):
        self.assertEqual(expected, migration.downtime_steps(*args))

    @ddt.data((-1, 50), (0, 50), (299.9, 50), (300, 95), (301, 95),
              (2999, 455), (3000, 500), (10 ** 6, 500))
    @ddt.unpack
    def test_downtime_for(self, elapsed, expected):
        self.assertEqual(expected,
                         migration.downtime_for(DEFAULT_SCHEDULE, elapsed))

    @ddt.data((0, 4, None), (800, 2, 1600), (800, 17, 13600),
              (150, 4, 600))
    @ddt.unpack
    def test_completion_deadline(self, per_gib, gib, expected):
        self.assertEqual(expected,
                         migration.completion_deadline(per_gib, gib))

    @ddt.data(
        # (POSTCOPY in flags, in post-copy, paused, expected action)
        (True, False, False, A.START_POSTCOPY),
        (True, False, True, A.START_POSTCOPY),
        (True, True, False, None),
        (True, True, True, None),
        (False, False, False, A.PAUSE),
        (False, False, True, None),
        (False, True, False, None),
        (False, True, True, None),
    )
    @ddt.unpack
    def test_force_complete_action(self, postcopy, in_postcopy, paused,
                                   expected):
        decision = migration.force_complete_action(postcopy, in_postcopy,
                                                   paused)
        if expected is None:
            self.assertIsNone(decision)
        else:
            self.assertEqual(expected, decision.action)
            self.assertIsNone(decision.value)

    @ddt.data(P.PRECOPY, P.PAUSED_PRECOPY, P.FINISHED, S.RUNNING)
    def test_abort_allowed(self, phase):
        self.assertIsNone(migration.check_abort_allowed(phase, 'uuid-1'))

    @ddt.data(P.POSTCOPY, S.POST_COPY)
    def test_abort_refused_in_postcopy(self, phase):
        exc = self.assertRaises(exception.MigrationAbortNotAllowed,
                                migration.check_abort_allowed, phase,
                                'uuid-1')
        self.assertEqual(409, exc.code)
        self.assertIn('instance uuid-1 cannot be aborted', str(exc))
        self.assertIn('post-copy', str(exc))

    @ddt.data(
        (P.PRECOPY, jobinfo.JOB_UNBOUNDED, S.RUNNING),
        (P.PAUSED_PRECOPY, jobinfo.JOB_UNBOUNDED, S.RUNNING),
        (P.POSTCOPY, jobinfo.JOB_UNBOUNDED, S.POST_COPY),
        (P.FINISHED, jobinfo.JOB_COMPLETED, S.COMPLETED),
        (P.FINISHED, jobinfo.JOB_FAILED, S.FAILED),
        (P.FINISHED, jobinfo.JOB_CANCELLED, S.CANCELLED),
        (P.PRECOPY, jobinfo.JOB_COMPLETED, S.COMPLETED),
        (P.POSTCOPY, jobinfo.JOB_FAILED, S.FAILED),
        (P.FINISHED, jobinfo.JOB_NONE, S.ERROR),
    )
    @ddt.unpack
    def test_status_for(self, phase, job_type, expected):
        self.assertEqual(expected,
                         migration.status_for(phase, _job(0, type=job_type)))


class ProgressWatchTestCase(test.NoDBTestCase):

    def test_stalled_guest_after_timeout_only(self):
        watch = migration.ProgressWatch(30)
        results = [watch.update(t, _stalled(t)) for t in range(60)]
        # Progress last at t=2 (the first pass complete); 30 s later.
        self.assertEqual(32, results.index(True))
        self.assertTrue(all(results[32:]))
        self.assertEqual(2, watch.last_progress)
        self.assertEqual(GIB, watch.best_remaining)
        self.assertEqual(28, results.count(True))
        self.assertGreaterEqual(watch.passes_without_progress, 14)

    def _sawtooth(self, shrink):
        """QEMU's view of a pre-copy: passes of 2 s sampled every 0.5 s.

        Each pass starts at its dirty set (the peak) and falls to nearly
        nothing as it is sent; the next pass's peak is ``shrink`` (a
        fraction of the total) lower.
        """
        total = 16 * GIB
        samples = []
        for i in range(400):   # 200 s, 100 passes
            n, k = divmod(i, 4)
            peak = 12 * GIB - n * shrink * total
            samples.append((i * 0.5, _job(int(peak * (3 - k) / 3),
                                          iteration=n + 1, total=total)))
        return samples

    def test_sawtooth_with_slowly_falling_peaks_never_stalls(self):
        # Every pass ends near zero, so a low-water mark of the samples
        # would stop moving after the first pass and call it a stall.
        watch = migration.ProgressWatch(30)
        self.assertIsNone(_first_stall(watch, self._sawtooth(0.004)))
        self.assertLess(watch.best_remaining, 12 * GIB - 0.38 * 16 * GIB)
        self.assertLessEqual(watch.passes_without_progress, 2)

    def test_sawtooth_with_flat_peaks_stalls(self):
        watch = migration.ProgressWatch(30)
        # The first pass completes at 2 s; the window ends 30 s later.
        self.assertEqual(32, _first_stall(watch, self._sawtooth(0)))
        self.assertEqual(12 * GIB, watch.best_remaining)

    def test_one_long_first_pass_never_stalls(self):
        total = 8 * GIB
        watch = migration.ProgressWatch(30)
        # One pass for 300 s, too slow to beat the 1 % tolerance.
        first_pass = [(t, _job(total - t * MIB // 10, total=total))
                      for t in range(301)]
        self.assertIsNone(_first_stall(watch, first_pass))
        self.assertEqual(0, watch.last_progress)
        self.assertEqual(0, watch.passes_without_progress)
        # Then passes of 2 s without progress: the end of the first pass
        # (t=301) is progress, stalled 30 s later.
        flat = total - 30 * MIB
        passes = [(t, _job(flat, iteration=2 + (t - 301) // 2, total=total))
                  for t in range(301, 400)]
        self.assertEqual(331, _first_stall(watch, passes))
        self.assertGreaterEqual(watch.passes_without_progress, 2)

    def _disk_copy(self, disk_rate):
        mem, disk = 4 * GIB, 100 * GIB
        samples = []
        for t in range(201):
            done = disk_rate * t
            mem_remaining = GIB if t % 2 == 0 else 512 * MIB
            samples.append((t, _job(
                mem_remaining + disk - done, iteration=1 + t // 2,
                total=mem + disk, memory_total=mem,
                memory_remaining=mem_remaining, disk_total=disk,
                disk_processed=done, disk_remaining=disk - done)))
        return samples

    def test_block_migration_disk_progress_is_progress(self):
        # 5 MiB/s of disk: 1000 MiB in 200 s (10 x the timeout), less
        # than the 1 % tolerance of the 104 GiB total.
        watch = migration.ProgressWatch(20)
        self.assertIsNone(_first_stall(watch, self._disk_copy(5 * MIB)))
        self.assertEqual(200, watch.last_progress)
        self.assertEqual(0, watch.passes_without_progress)

    def test_block_migration_without_disk_progress_stalls(self):
        # The memory passes' peaks do not fall: the window starts when the
        # first pass completes.
        watch = migration.ProgressWatch(20)
        self.assertEqual(22, _first_stall(watch, self._disk_copy(0)))
        self.assertEqual(2, watch.last_progress)

    def test_disk_in_sync_is_not_progress(self):
        # Once the disk is copied, the mirror's writes do not hide a
        # stalled memory copy.
        watch = migration.ProgressWatch(20)
        samples = [(t, _stalled(t, disk_total=GIB, disk_processed=t * MIB,
                                disk_remaining=0)) for t in range(60)]
        self.assertEqual(22, _first_stall(watch, samples))

    def test_levers_changed_restarts_window(self):
        watch = migration.ProgressWatch(30)
        results = [watch.update(t, _stalled(t), levers_changed=(t == 20))
                   for t in range(80)]
        self.assertEqual(50, results.index(True))
        self.assertEqual(20, watch.last_progress)

    def test_higher_autoconverge_throttle_restarts_window(self):
        watch = migration.ProgressWatch(30)
        results = [
            watch.update(t, _stalled(
                t, auto_converge_throttle=20 if t >= 20 else 0))
            for t in range(80)]
        self.assertEqual(50, results.index(True))
        self.assertEqual(20, watch.last_progress)

    def test_timeout_zero_never_stalls(self):
        watch = migration.ProgressWatch(0)
        self.assertIsNone(
            _first_stall(watch, [(t, _stalled(t)) for t in range(1000)]))
        self.assertIsNone(watch.last_progress)

    def test_samples_before_the_job_has_data_are_ignored(self):
        watch = migration.ProgressWatch(30)
        self.assertFalse(watch.update(0, jobinfo.JobInfo()))
        self.assertIsNone(watch.best_remaining)
        self.assertFalse(watch.update(5, _stalled(0)))
        self.assertIsNone(watch.best_remaining)
        self.assertEqual(5, watch.last_progress)

    def test_tolerance_is_at_least_one_mib(self):
        watch = migration.ProgressWatch(30)
        watch.update(0, _job(5 * MIB, total=10 * MIB))
        watch.update(1, _job(4 * MIB + 1, iteration=2, total=10 * MIB))
        self.assertEqual(5 * MIB, watch.best_remaining)
        # A pass peak 1 MiB - 1 byte lower is not progress ...
        watch.update(2, _job(4 * MIB - 1, iteration=3, total=10 * MIB))
        self.assertEqual(5 * MIB, watch.best_remaining)
        self.assertEqual(1, watch.passes_without_progress)
        # ... one more than 1 MiB lower is.
        watch.update(3, _job(4 * MIB - 1, iteration=4, total=10 * MIB))
        self.assertEqual(4 * MIB - 1, watch.best_remaining)
        self.assertEqual(3, watch.last_progress)


def _monitor(postcopy=False, auto_converge=False, gib=4, start=1000.0,
             **config):
    return migration.Monitor(start, migration.MonitorConfig(**config),
                             postcopy, auto_converge, gib)


def _apply(monitor, now, job, **kw):
    """One loop iteration: decide, then record every decision."""
    decisions = monitor.step(now, job, **kw)
    for decision in decisions:
        monitor.record(decision)
    return [(d.action, d.value) for d in decisions]


@ddt.ddt
class MonitorTestCase(test.NoDBTestCase):

    def test_config_from_conf(self):
        group = types.SimpleNamespace(
            live_migration_downtime=400,
            live_migration_downtime_steps=5,
            live_migration_downtime_delay=30,
            live_migration_completion_timeout=0,
            live_migration_timeout_action='force_complete',
            live_migration_progress_timeout=120,
            live_migration_status_save_interval=10)
        self.assertEqual(
            migration.MonitorConfig(400, 5, 30, 0, 'force_complete', 120,
                                    10),
            migration.MonitorConfig.from_conf(group))

    def test_config_rejects_unknown_timeout_action(self):
        self.assertRaises(ValueError, migration.MonitorConfig,
                          timeout_action='pause')

    def test_postcopy_and_autoconverge_together_force_post_copy(self):
        # An SLA tier may arm both: QEMU throttles meanwhile, and forcing
        # the migration to complete switches it to post-copy.
        monitor = _monitor(postcopy=True, auto_converge=True)
        decisions = monitor.step(1001, _job(GIB), force_requested=True)
        self.assertIn(A.START_POSTCOPY, [d.action for d in decisions])

    def test_downtime_set_only_on_change(self):
        monitor = _monitor()   # 4 GiB: a step every 300 s
        job = _job(GIB)
        self.assertEqual([(A.SET_DOWNTIME, 50)], _apply(monitor, 1000, job))
        self.assertEqual([], _apply(monitor, 1001, job))
        self.assertEqual([], _apply(monitor, 1299.5, job))
        # Not recorded (the loop failed to apply it): decided again.
        self.assertEqual([(A.SET_DOWNTIME, 95)],
                         [(d.action, d.value)
                          for d in monitor.step(1300, job)])
        self.assertEqual([(A.SET_DOWNTIME, 95)], _apply(monitor, 1301, job))
        self.assertEqual(95, monitor.downtime)
        self.assertEqual([], _apply(monitor, 1302, job))
        # A late poll jumps straight to the step that applies.
        self.assertEqual([(A.SET_DOWNTIME, 500)],
                         _apply(monitor, 4100, job))

    def test_completion_timeout_aborts_after_deadline(self):
        monitor = _monitor(gib=2)   # 800 s/GiB x 2 GiB = 1600 s
        job = _job(GIB)
        self.assertEqual(1600, monitor.deadline)
        for now in (1000, 1500, 2599.5, 2600):
            self.assertNotIn(A.ABORT, [a for a, _ in
                                       _apply(monitor, now, job)])
        decisions = monitor.step(2600.5, job)
        self.assertEqual([A.ABORT], [d.action for d in decisions])
        self.assertIn('1600 s', decisions[0].reason)
        self.assertIn('2 GiB', decisions[0].reason)
        # Not applied yet: decided again; once applied, nothing more.
        self.assertEqual([(A.ABORT, None)], _apply(monitor, 2601, job))
        self.assertTrue(monitor.aborted)
        self.assertEqual([], _apply(monitor, 9000, job))

    def test_completion_timeout_off(self):
        monitor = _monitor(completion_timeout=0)
        _apply(monitor, 1000, _job(GIB))
        self.assertIsNone(monitor.deadline)
        self.assertEqual([(A.SET_DOWNTIME, 500)],
                         _apply(monitor, 10 ** 6, _job(GIB)))

    @ddt.data((True, A.START_POSTCOPY, P.POSTCOPY, False),
              (False, A.PAUSE, P.PAUSED_PRECOPY, True))
    @ddt.unpack
    def test_timeout_force_complete(self, postcopy, action, phase, resume):
        monitor = _monitor(postcopy=postcopy, gib=2,
                           timeout_action='force_complete')

        def job(moved):
            # Bytes keep moving: the link is up.
            return _job(GIB, data_processed=moved * GIB)
        self.assertEqual([(A.SET_DOWNTIME, 50)],
                         _apply(monitor, 1000, job(1)))
        self.assertEqual([(A.SET_DOWNTIME, 500)],
                         _apply(monitor, 2600, job(2)))
        self.assertEqual([(action, None)], _apply(monitor, 2601, job(3)))
        self.assertEqual(phase, monitor.phase)
        self.assertEqual(resume, monitor.needs_resume_on_failure)
        # Handled: not decided again.
        self.assertEqual([], _apply(monitor, 2602, job(4)))

    def test_force_complete_waits_for_a_dead_link(self):
        # The link moves nothing: switching to post-copy would strand the
        # guest on the destination with its memory behind a dead link.
        monitor = _monitor(postcopy=True)
        dead = _job(GIB, data_processed=3 * GIB)
        _apply(monitor, 1000, dead)
        _apply(monitor, 1000.5, dead)
        decisions = monitor.step(1001, dead, force_requested=True)
        self.assertEqual([A.WAIT_FOR_LINK], [d.action for d in decisions])
        self.assertIn('waits for the link', decisions[0].reason)
        for decision in decisions:
            monitor.record(decision)
        # Said once; still waiting while nothing moves.
        self.assertEqual([], _apply(monitor, 1001.5, dead))
        self.assertEqual(P.PRECOPY, monitor.phase)
        # Bytes move again: the deferred switch happens.
        alive = _job(GIB, data_processed=3 * GIB + 100 * MIB)
        decisions = monitor.step(1002, alive)
        self.assertEqual([A.START_POSTCOPY], [d.action for d in decisions])
        monitor.record(decisions[0])
        self.assertEqual(P.POSTCOPY, monitor.phase)
        self.assertEqual([], _apply(monitor, 1002.5, alive))

    def test_dead_link_does_not_stop_a_pause(self):
        # Pausing keeps the whole guest on the source: safe on a dead link.
        monitor = _monitor(postcopy=False)
        dead = _job(GIB, data_processed=3 * GIB)
        for now in (1000, 1000.5, 1001):
            _apply(monitor, now, dead)
        self.assertEqual([(A.PAUSE, None)],
                         _apply(monitor, 1001.5, dead, force_requested=True))


@ddt.ddt
class LinkWatchTestCase(test.NoDBTestCase):

    @ddt.data(
        # processed per sample, stalled after the last one
        ((1, 2, 3, 4), False),
        ((1, 1), False),  # one still sample: not yet
        ((1, 1, 1), True),  # two still samples after the first
        ((1, 1, 1, 2), False),  # moving again
    )
    @ddt.unpack
    def test_stalled(self, processed, stalled):
        watch = migration.LinkWatch()
        result = None
        for value in processed:
            result = watch.update(_job(GIB, data_processed=value * MIB))
        self.assertEqual(stalled, result)

    def test_finished_or_empty_job_is_not_stalled(self):
        watch = migration.LinkWatch()
        for _ in range(4):
            self.assertFalse(watch.update(_job(0, data_processed=GIB)))
        self.assertFalse(watch.update(_job(GIB, type=jobinfo.JOB_COMPLETED)))

    def test_autoconverge_instance_is_paused_by_force_complete(self):
        monitor = _monitor(auto_converge=True)
        _apply(monitor, 1000, _job(GIB))
        self.assertEqual([(A.PAUSE, None)],
                         _apply(monitor, 1001, _job(GIB),
                                force_requested=True))
        self.assertTrue(monitor.needs_resume_on_failure)

    @ddt.data((True, A.START_POSTCOPY, 'post-copy'),
              (False, A.PAUSE, 'pausing the guest'))
    @ddt.unpack
    def test_force_requested(self, postcopy, action, reason):
        monitor = _monitor(postcopy=postcopy)
        decisions = monitor.step(1000, _job(GIB), force_requested=True)
        self.assertEqual([A.SET_DOWNTIME, action],
                         [d.action for d in decisions])
        self.assertIn('force-complete requested', decisions[1].reason)
        self.assertIn(reason, decisions[1].reason)
        self.assertFalse(monitor.needs_resume_on_failure)

    def test_force_and_timeout_in_one_step_decide_once(self):
        monitor = _monitor(gib=2, timeout_action='force_complete')
        _apply(monitor, 2600, _job(GIB))
        self.assertEqual([(A.PAUSE, None)],
                         _apply(monitor, 2601, _job(GIB),
                                force_requested=True))

    def test_postcopy_suppresses_timeouts(self):
        monitor = _monitor(postcopy=True, gib=2, progress_timeout=30)
        _apply(monitor, 1000, _stalled(0))
        self.assertEqual([(A.START_POSTCOPY, None)],
                         _apply(monitor, 1001, _stalled(1),
                                force_requested=True))
        for t in range(2, 3000, 7):   # past the deadline and the watch
            self.assertEqual([], monitor.step(1000 + t, _stalled(t)))
        self.assertEqual(P.POSTCOPY, monitor.phase)
        self.assertEqual(S.POST_COPY, monitor.progress(_stalled(0))['status'])
        self.assertRaises(exception.MigrationAbortNotAllowed,
                          migration.check_abort_allowed, monitor.phase)

    def test_progress_timeout_aborts_stalled_migration(self):
        monitor = _monitor(progress_timeout=30, completion_timeout=0)
        results = [_apply(monitor, 1000 + t, _stalled(t)) for t in range(60)]
        # The first pass completes at t=2; the window ends 30 s later.
        self.assertEqual([(A.ABORT, None)], results[32])
        self.assertEqual([[(A.SET_DOWNTIME, 50)]] + [[]] * 31, results[:32])
        self.assertEqual([[]] * 27, results[33:])

    def test_progress_timeout_reason(self):
        monitor = _monitor(progress_timeout=30, completion_timeout=0)
        for t in range(32):
            _apply(monitor, 1000 + t, _stalled(t))
        decision, = monitor.step(1032, _stalled(32))
        self.assertEqual(A.ABORT, decision.action)
        self.assertIn('no progress for 30 s', decision.reason)

    def test_finished_job_ends_monitoring(self):
        monitor = _monitor(gib=2)
        _apply(monitor, 1000, _job(GIB))
        done = _job(0, type=jobinfo.JOB_COMPLETED)
        self.assertEqual([], _apply(monitor, 9000, done))
        self.assertEqual(P.FINISHED, monitor.phase)
        self.assertEqual(S.COMPLETED, monitor.progress(done)['status'])

    def test_should_save_throttles(self):
        monitor = _monitor(save_interval=5)
        self.assertEqual(
            [True, False, True, False, False, True],
            [monitor.should_save(t) for t in (0, 4.9, 5, 7, 9.9, 10)])

    def test_progress(self):
        monitor = _monitor()
        job = jobinfo.JobInfo(
            type=jobinfo.JOB_UNBOUNDED, data_total=6 * GIB,
            data_remaining=GIB + 1, memory_total=4 * GIB,
            memory_processed=3 * GIB, memory_remaining=GIB,
            disk_total=2 * GIB, disk_processed=2 * GIB, disk_remaining=1)
        self.assertEqual({
            'status': 'running',
            'memory_total': 4 * GIB, 'memory_processed': 3 * GIB,
            'memory_remaining': GIB, 'disk_total': 2 * GIB,
            'disk_processed': 2 * GIB, 'disk_remaining': 1,
            'percent_remaining': 17}, monitor.progress(job))

    @ddt.data((jobinfo.JOB_NONE, 100), (jobinfo.JOB_COMPLETED, 0))
    @ddt.unpack
    def test_progress_without_data_total(self, job_type, percent):
        monitor = _monitor()
        self.assertEqual(percent, monitor.progress(
            jobinfo.JobInfo(type=job_type))['percent_remaining'])
