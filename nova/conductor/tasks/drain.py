"""Drain a host: live-migrate every instance off it, ``evacuate-host``.

Checks first (nothing moves unless they pass): the host has a compute
service, that service is up (a down host's instances cannot be
live-migrated: that is evacuation), and no other drain of it runs.  The
instances on the host at that moment are then moved in :func:`drain_order`
by at most the host's ``[DEFAULT] max_concurrent_live_migrations`` at
once (all at once when it is 0): each of that many workers takes the next
instance as soon as its previous move has ended, so the link never idles
while instances wait.  The source compute's own slots still apply (they
also count migrations the drain did not start).

Each move is an ordinary live migration (the compare-and-swap on the task
state, the conductor's pre-checks, scheduling, the destination claim, the
source's monitor, settlement from where the guest runs) whose Migration
record carries the purpose ``evacuate-host``.  The drain never touches an
instance itself: a move that cannot start leaves it as it was
(``refused``), one that starts is settled by the source compute --
completed or rolled back -- before the drain counts it, so no instance is
ever left half-moved by the drain.  One instance that cannot move does not
stop the others; the report says, per instance, what happened.

The order: **largest memory first** (LPT, longest processing time
first).  Before its migration starts the only size of a guest the
control plane knows is its RAM: libvirt reports the dirty rate only in
the job statistics of a running migration, and no earlier rate is kept.
A move's time grows with the bytes it sends, so RAM orders the moves by
expected time; starting the longest first and feeding each free slot the
next one bounds the makespan of parallel slots within 4/3 of the best
order (Graham's bound), and ends the drain with the short moves, which
fill the slots evenly.  Ties go by name, then uuid, so that a run on the
simulator is the same every time.
"""

import contextlib
import threading
import time

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

import nova.conf
from nova.conductor import drain_records
from nova import exception
from nova import objects
from nova.objects import fields
from nova.objects import host_drain

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
RESULT = host_drain.DrainResult
STATUS = fields.MigrationStatus
PURPOSE = fields.MigrationPurpose.EVACUATE_HOST
ORDER = 'largest-memory-first'
MIGRATABLE_STATES = (fields.VMState.ACTIVE, fields.VMState.PAUSED)


def drain_order(instances):
    """The instances in the order a drain moves them (see the module)."""
    return sorted(instances, key=lambda i: (-i.flavor.memory_mb,
                                            i.display_name or '', i.uuid))


def worker_count(limit, instances):
    """How many moves run at once: the host's limit (0: no limit), and
    never more than there are instances (at least one).
    """
    if not limit:
        return max(1, instances)
    return max(1, min(limit, instances))


class RealTime(object):
    """The drain's clock where time passes by itself: nothing to
    coordinate (a simulator's VirtualClock has the same methods and
    makes the workers coordinated participants).
    """

    coordinated = False

    @staticmethod
    def now():
        return time.monotonic()

    @staticmethod
    def sleep(seconds):
        time.sleep(seconds)

    coordinate = hold = participant = staticmethod(contextlib.nullcontext)

    @staticmethod
    def settle():
        pass


class DrainTask(object):
    """One drain of one host; ``report()`` copies its state at any time.

    ``start_move(ctxt, instance, migration_uuid, purpose, ignore_hosts)``
    runs one live migration's conductor part (the instance already marked
    ``migrating``) and returns its Migration; ``draining()`` names the
    hosts being drained (never chosen as destinations);
    ``on_change(report)`` is called with a copy of the HostDrain after
    each change once it runs (the conductor writes it to the database).
    """

    def __init__(self, ctxt, host, compute_rpcapi, start_move, clock=None,
                 draining=lambda: (), on_change=None):
        self.ctxt = ctxt
        self.host = host
        self.compute_rpcapi = compute_rpcapi
        self.start_move = start_move
        self.clock = clock or RealTime()
        self.draining = draining
        self.on_change = on_change
        self.drain = None
        self._lock = threading.Lock()
        self._next = 0
        self._start = None
        self._launched = threading.Event()
        self._thread = None

    # -- before anything moves ---------------------------------------------

    def check(self):
        if self.host not in self.compute_rpcapi.hosts():
            raise exception.ServiceNotFound(binary='nova-compute',
                                            host=self.host)
        if not self.compute_rpcapi.is_up(self.host):
            raise exception.HostDrainHostDown(host=self.host)

    def _limit(self):
        try:
            return self.compute_rpcapi.max_concurrent_live_migrations(
                self.ctxt, self.host)
        except exception.ComputeServiceUnavailable as exc:
            LOG.warning('%s did not say its live-migration limit (%s); '
                        'using %d', self.host, exc,
                        CONF.max_concurrent_live_migrations)
            return CONF.max_concurrent_live_migrations

    def plan(self):
        """Check the host and order its instances; returns the HostDrain."""
        self.check()
        instances = drain_order(objects.Instance.get_by_host(self.ctxt,
                                                             self.host))
        self.drain = objects.HostDrain(
            host=self.host, purpose=PURPOSE, state=host_drain.DrainState
            .RUNNING, max_concurrent=self._limit(), order=ORDER,
            started_at=timeutils.utcnow(), finished_at=None, elapsed_s=None,
            entries=[objects.HostDrainEntry(
                instance_uuid=i.uuid, name=i.display_name,
                memory_mb=i.flavor.memory_mb, result=RESULT.QUEUED,
                migration_uuid=None, dest=None, error=None, started_s=None,
                finished_s=None, outcome=None) for i in instances])
        return self.drain

    # -- running ------------------------------------------------------------

    @property
    def running(self):
        return self.drain.state == host_drain.DrainState.RUNNING

    def start(self, launch_timeout=60.0):
        """Start the moves in a thread of their own; return once the first
        ones were asked for (at most ``launch_timeout`` real seconds).
        """
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name='drain-%s' % self.host)
        self._thread.start()
        self._launched.wait(launch_timeout)

    def wait(self, timeout=None):
        """Wait for the end (tests and the embedded commands)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self):
        entries = self.drain.entries
        count = worker_count(self.drain.max_concurrent, len(entries))
        LOG.info('Draining %s: %d instance(s), %d at a time, %s',
                 self.host, len(entries), count, ORDER)
        try:
            with self.clock.coordinate():
                self._start = self.clock.now()
                workers = []
                with self.clock.hold():
                    for index in range(min(count, len(entries))):
                        first = self._take()
                        worker = threading.Thread(
                            target=self._worker, args=(first,), daemon=True,
                            name='drain-%s-%d' % (self.host, index))
                        worker.start()
                        workers.append(worker)
                        # Each worker gets its move running before the next
                        # starts: the same order (and numbers) every run.
                        self.clock.settle()
                self._launched.set()
                self._changed()
                for worker in workers:
                    worker.join()
                elapsed = self.clock.now() - self._start
        except Exception:
            LOG.exception('The drain of %s stopped', self.host)
            elapsed = None
        finally:
            self._launched.set()
        self._finish(elapsed)

    def _finish(self, elapsed):
        with self._lock:
            left = [e for e in self.drain.entries if not e.is_final]
            for entry in left:
                # Only a drain that broke leaves some: never asked for.
                entry.result = RESULT.REFUSED
                entry.error = 'the drain stopped before its turn'
            moved = all(e.result in (RESULT.MOVED, RESULT.GONE)
                        for e in self.drain.entries)
            self.drain.state = (host_drain.DrainState.DRAINED if moved
                                else host_drain.DrainState.PARTIAL)
            self.drain.finished_at = timeutils.utcnow()
            self.drain.elapsed_s = (None if elapsed is None
                                    else round(elapsed, 3))
        self._changed()
        LOG.info('Drain of %s ended %s: %s', self.host, self.drain.state,
                 self.drain.counts())

    def _changed(self):
        """Tell on_change; a failure to (the database away) is logged and
        never stops the drain: its moves go on and the next change is
        written again.
        """
        if self.on_change is None:
            return
        try:
            self.on_change(self.report())
        except Exception as exc:
            LOG.warning('Could not record the progress of the drain of %s: '
                        '%s', self.host, exc)

    def _take(self):
        """The next queued entry, marked ``moving`` (None: none left)."""
        with self._lock:
            if self._next >= len(self.drain.entries):
                return None
            entry = self.drain.entries[self._next]
            self._next += 1
            entry.result = RESULT.MOVING
            entry.migration_uuid = uuidutils.generate_uuid()
            entry.started_s = self._elapsed()
            return entry

    def _elapsed(self):
        return round(self.clock.now() - self._start, 3)

    def _worker(self, entry):
        with self.clock.participant():
            while entry is not None:
                try:
                    result, error, migration = self._move(entry)
                except Exception as exc:
                    LOG.exception('Drain of %s: the move of %s broke',
                                  self.host, entry.instance_uuid)
                    result, error, migration = (
                        RESULT.ERROR, '%s: %s' % (type(exc).__name__, exc),
                        None)
                self._record(entry, result, error, migration)
                entry = self._take()
                if entry is not None:
                    self._changed()

    def _record(self, entry, result, error, migration):
        outcome = None
        if migration is not None and migration.is_final:
            outcome = self._outcome(migration)
        # Name the migration only if its record exists (a move refused
        # before it was created has none).
        uuid = migration.uuid if migration is not None else (
            self._existing(entry.migration_uuid))
        with self._lock:
            entry.result = result
            entry.error = error
            entry.finished_s = self._elapsed()
            entry.migration_uuid = uuid
            if migration is not None:
                entry.dest = migration.dest_compute
            entry.outcome = outcome
        self._changed()
        LOG.info('Drain of %s: %s %s%s', self.host, entry.instance_uuid,
                 result, ' (%s)' % error if error else '')

    def _existing(self, migration_uuid):
        try:
            return objects.Migration.get_by_uuid(self.ctxt,
                                                 migration_uuid).uuid
        except exception.MigrationNotFound:
            return None

    def _outcome(self, migration):
        try:
            return self.compute_rpcapi.live_migration_outcome(
                self.ctxt, migration.source_compute, migration.uuid)
        except exception.ComputeServiceUnavailable as exc:
            LOG.warning('The outcome of migration %s is unknown: %s',
                        migration.uuid, exc)
            return None

    # -- one instance -------------------------------------------------------

    def _move(self, entry):
        """Move one instance; returns (result, error, Migration or None)."""
        try:
            instance = objects.Instance.get_by_uuid(self.ctxt,
                                                    entry.instance_uuid)
        except exception.InstanceNotFound:
            return RESULT.GONE, 'deleted before its turn', None
        if instance.host != self.host:
            return RESULT.GONE, 'now on %s' % instance.host, None
        if instance.vm_state not in MIGRATABLE_STATES or instance.task_state:
            return RESULT.REFUSED, str(exception.InstanceInvalidState(
                instance_uuid=instance.uuid,
                state='%s/%s' % (instance.vm_state,
                                 instance.task_state or 'idle'),
                action='live migration', needed='active or paused, idle')), \
                None
        try:
            # The compare-and-swap of the compute API: an operator's
            # request for the same instance wins or loses cleanly.
            instance.task_state = fields.TaskState.MIGRATING
            instance.save(expected_task_state=[None],
                          expected_vm_state=list(MIGRATABLE_STATES))
        except exception.InstanceInvalidState as exc:
            return RESULT.REFUSED, str(exc), None
        try:
            migration = self.start_move(
                self.ctxt, instance, entry.migration_uuid, PURPOSE,
                sorted(set(self.draining()) | {self.host}))
        except exception.NovaException as exc:
            # Refused before it started: the task put everything back.
            return self._refusal(entry, exc)
        return self._follow(migration)

    def _refusal(self, entry, exc):
        error = '%s: %s' % (type(exc).__name__, exc)
        try:
            migration = objects.Migration.get_by_uuid(self.ctxt,
                                                      entry.migration_uuid)
        except exception.MigrationNotFound:
            return RESULT.REFUSED, error, None
        if migration.status == STATUS.ERROR:
            # The undo itself failed (Placement refused the allocation
            # back): an operator must look.
            return RESULT.ERROR, error, migration
        return RESULT.REFUSED, error, None

    def _follow(self, migration):
        """Wait (on the drain's clock) for the migration's final status."""
        deadline = self.clock.now() + CONF.migration_wait_timeout
        while not migration.is_final:
            if self.clock.now() > deadline:
                raise exception.MigrationWaitTimeout(
                    migration_uuid=migration.uuid,
                    instance_uuid=migration.instance_uuid,
                    timeout=CONF.migration_wait_timeout,
                    status=migration.status)
            self.clock.sleep(CONF.migration_poll_interval)
            migration.refresh()
        result = drain_records.RESULT_OF_STATUS[migration.status]
        return result, None, migration

    # -- what callers see ---------------------------------------------------

    def report(self, outcomes=False):
        """A copy of the HostDrain (without the outcomes unless asked)."""
        with self._lock:
            copy = self.drain.obj_clone()
        if not outcomes:
            for entry in copy.entries:
                entry.outcome = None
        return copy
