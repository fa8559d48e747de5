"""Carry out a scenario: boot its instances, then run its steps in order.

Each step's result is a plain dict (it goes to JSON as it is).  Requests
the cloud refuses -- a flavor and image that clash, no valid host, a
pre-check -- are results, not crashes: the run goes on.  Between steps
every compute host runs its periodic resource audit, and at the end the
consistency audit (nova.compute.audit) checks Placement, claims,
migration contexts and vPMEM namespaces.
"""

import threading

from oslo_log import log as logging

from nova.compute import audit
from nova import exception
from nova import objects
from nova.objects import fields
from nova.scenario import cloud as scenario_cloud
from nova.scenario import interrupt
from nova.scenario import schema as scenario_schema
from nova.scenario import timers as scenario_timers
from nova.sim import model

LOG = logging.getLogger(__name__)
STATUS = fields.MigrationStatus
#: Seconds (on the scenario's clock) between two progress looks.
PROGRESS_INTERVAL = 0.5
DEFAULT_DROP_SECONDS = 300


def flavor_object(name, spec):
    return objects.Flavor(
        flavorid=name, name=name, vcpus=spec['vcpus'],
        memory_mb=spec['memory_mb'], root_gb=spec.get('disk_gb', 0),
        extra_specs=_strings(spec.get('extra_specs')))


def _strings(metadata):
    """Extra specs and image properties are strings; YAML gives bools."""
    out = {}
    for key, value in (metadata or {}).items():
        out[key] = str(value).lower() if isinstance(value, bool) else str(
            value)
    return out


def workload_for(flavor_spec, workload_spec, phase=None):
    """A nova.sim.model.Workload from the scenario's keys."""
    keys = {k: v for k, v in (workload_spec or {}).items() if k != 'phases'}
    keys.update({k: v for k, v in (phase or {}).items() if k != 'at'})
    ram = flavor_spec['memory_mb']
    disk = flavor_spec.get('disk_gb', 0)
    if not keys:
        return model.Workload.idle(ram, disk_gb=disk)
    keys.setdefault('wws_mb', min(model.IDLE_WWS_MB, ram))
    keys.setdefault('dirty_rate_mbps', model.IDLE_DIRTY_RATE_MBPS)
    return model.Workload(ram_mb=ram, disk_gb=disk, **keys)


def image_for(scenario, instance_spec, real=False):
    """The image dict an instance boots from.

    A real guest learns its workload at boot, on the kernel command line
    (image property os_command_line, understood by the lab guest of
    tools/real-libvirt).
    """
    name = instance_spec.get('image')
    properties = _strings((scenario.get('images') or {}).get(
        name, {}).get('properties'))
    if real and instance_spec.get('workload'):
        workload = workload_for(scenario['flavors'][instance_spec['flavor']],
                                instance_spec['workload'])
        properties['os_command_line'] = 'dirty_mb=%d dirty_rate=%d' % (
            workload.wws_mb, workload.dirty_rate_mbps)
    return {'properties': properties}


def policy_label(policy):
    """'post-copy (flavor)', 'auto-converge (image)' or 'pre-copy'."""
    for feature, label in (('post_copy', 'post-copy'),
                           ('auto_converge', 'auto-converge')):
        if policy.get(feature):
            return '%s (%s)' % (label, policy.get(feature + '_origin'))
    return 'pre-copy'


class Runner(object):

    def __init__(self, scenario, ctxt, report_client, display):
        self.scenario = scenario
        self.ctxt = ctxt
        self.display = display
        self.cloud = scenario_cloud.Cloud(scenario, ctxt, report_client)
        self.timers = None
        self.start = 0.0
        self.instances = {}
        self.operations = []
        self.drains = []

    @property
    def clock(self):
        return self.cloud.clock

    @property
    def api(self):
        return self.cloud.deployment.api

    @property
    def conductor(self):
        return self.cloud.deployment.conductor

    def now(self):
        """Seconds since the run started, on the scenario's clock."""
        return round(self.clock.now() - self.start, 3)

    def run(self):
        """Run everything; returns the report dict (see report.py)."""
        self.cloud.start()
        self.timers = scenario_timers.Timers(self.clock)
        # Scenario times (``at``, workload phases) count from here.
        self.start = self.clock.now()
        try:
            for name, spec in (self.scenario.get('instances') or {}).items():
                interrupt.raise_pending()
                self._boot(name, spec)
                self.cloud.deployment.audit()
            for index, step in enumerate(self.scenario.get('steps') or []):
                if 'at' in step:
                    self._wait_until(self.start + step['at'])
                interrupt.raise_pending()
                self._step(index, step)
                self.cloud.deployment.audit()
            problems = audit.check(self.ctxt, self.cloud.deployment,
                                   pmem_owners=self.cloud.pmem_owners())
        finally:
            self.timers.close()
            self.cloud.close()
        return {
            'scenario': self.scenario.get('name', ''),
            'clock': 'real' if self.cloud.real else 'virtual',
            'hosts': sorted(self.scenario['hosts']),
            'instances': list(self.instances.values()),
            'operations': self.operations,
            'drains': self.drains,
            'audit': {'clean': not problems, 'problems': problems},
        }

    def _wait_until(self, when):
        """Let the clock run until ``when``, a second at a time so that a
        signal stops the wait.
        """
        while when - self.clock.now() > 1e-9:
            interrupt.raise_pending()
            self.timers.wait_until(min(when, self.clock.now() + 1.0))

    # -- booting ----------------------------------------------------------

    def _boot(self, name, spec):
        flavor_spec = self.scenario['flavors'][spec['flavor']]
        image_name = spec.get('image')
        image = image_for(self.scenario, spec, self.cloud.real)
        entry = {'name': name, 'flavor': spec['flavor'], 'image': image_name,
                 'requested_host': spec.get('host'), 'uuid': None,
                 'host': None, 'expect': spec.get('expect'), 'error': None,
                 'note': spec.get('note')}
        self.instances[name] = entry
        try:
            instance = self.api.create(
                self.ctxt, flavor_object(spec['flavor'], flavor_spec),
                image, display_name=name, host=spec.get('host'))
        except (exception.Invalid, exception.NoValidHost) as exc:
            entry.update(result='refused', error=str(exc))
        except exception.NovaException as exc:
            entry.update(result='error', error=str(exc))
        else:
            entry.update(result='active', uuid=instance.uuid,
                         host=instance.host)
            if not self.cloud.real:
                self._give_workload(entry, flavor_spec, spec.get('workload'))
        self.display.booted(entry)

    def _give_workload(self, entry, flavor_spec, workload_spec):
        self.cloud.set_workload(entry['uuid'], entry['host'],
                                workload_for(flavor_spec, workload_spec))
        for phase in (workload_spec or {}).get('phases') or []:
            workload = workload_for(flavor_spec, workload_spec, phase)
            self.timers.at(self.start + phase['at'],
                           lambda w=workload: self._set_phase(
                entry, w))

    def _set_phase(self, entry, workload):
        host = self._where(entry['uuid'])
        if host is not None:
            self.cloud.set_workload(entry['uuid'], host, workload)
            self.display.note('%s: workload now %.0f MiB written at %.0f '
                              'MiB/s' % (entry['name'], workload.wws_mb,
                                         workload.dirty_rate_mbps))

    def _where(self, uuid):
        """The simulated host whose domain of ``uuid`` is running."""
        for name in self.cloud.hosts:
            sim_host = self.cloud.network.find_host(self.cloud.uri(name))
            record = sim_host.get_domain(uuid)
            if record is not None and record.active:
                return name
        return None

    # -- steps --------------------------------------------------------------

    def _step(self, index, step):
        if 'live_migrate' in step:
            self._move(index, step, 'live-migration', step['live_migrate'])
        elif 'evacuate' in step:
            self._move(index, step, 'evacuation', step['evacuate'])
        elif 'drain_host' in step:
            self._drain(index, step)
        elif 'host_down' in step:
            self.cloud.fail_host(step['host_down'])
            self.display.note('host %s is down (its service too)' %
                              step['host_down'])
        elif 'host_up' in step:
            self.cloud.restore_host(step['host_up'])
            self.display.note('host %s is up again' % step['host_up'])
        elif 'wait' in step:
            self._wait_until(self.clock.now() + step['wait'])
        elif 'group' in step:
            self._group(index, step['group'])

    def _group(self, index, members):
        """Start every move of a group at once; wait for all of them.

        On the virtual clock the moves are coordinated participants (see
        nova.sim.clock): time passes once for all of them, and the run is
        the same every time.
        """
        clock = self.clock
        errors = []

        def member(position, spec):
            with clock.participant():
                try:
                    self._move(index, spec, 'live-migration',
                               spec['live_migrate'], member=position)
                except Exception as exc:
                    LOG.exception('Group member %s failed', position)
                    errors.append(exc)
        threads = []
        with clock.coordinate():
            with clock.hold():
                for position, spec in enumerate(members):
                    thread = threading.Thread(
                        target=member, args=(position, spec),
                        name='step%d-%s' % (index, spec['live_migrate']))
                    thread.start()
                    threads.append(thread)
                    # Each starts in turn, in the scenario's order.
                    clock.settle()
            for thread in threads:
                thread.join()
        if errors:
            raise errors[0]

    @staticmethod
    def _operation(index, member, kind, name, source, step, purpose):
        """The result record of one move (see the scenario reference)."""
        return {'step': index, 'member': member, 'kind': kind,
                'instance': name, 'source': source, 'dest': step.get('to'),
                'requested_dest': step.get('to'), 'purpose': purpose,
                'policy': None, 'flags': [], 'result': None, 'error': None,
                'expect': step.get('expect'), 'note': step.get('note'),
                'started_at': None, 'total_time_s': None,
                'downtime_ms': None, 'bytes_moved': None,
                'iterations': None, 'actions': [], 'samples': [],
                'timeline': None, 'settlement': None}

    def _move(self, index, step, kind, name, member=None):
        entry = self.instances[name]
        op = self._operation(
            index, member, kind, name, entry['host'], step,
            fields.validate_migration_purpose(step.get('purpose'))
            if kind == 'live-migration' else None)
        op['started_at'] = self.now()
        self.operations.append(op)
        if entry['uuid'] is None:
            op.update(result='skipped', error='instance %s was not created '
                      '(%s)' % (name, entry['error']))
            self.display.finished(op)
            return
        instance = objects.Instance.get_by_uuid(self.ctxt, entry['uuid'])
        op['source'] = instance.host
        before = len(objects.Migration.get_by_instance(self.ctxt,
                                                       instance.uuid))
        self.display.started(op)
        try:
            if kind == 'evacuation':
                migration = self.api.evacuate(
                    self.ctxt, instance, host=step.get('to'))
                op['result'] = migration.status
            else:
                self._live_migrate(op, step, instance)
        except exception.NovaException as exc:
            op.update(result=self._failure(exc, instance.uuid, before),
                      error='%s: %s' % (type(exc).__name__, exc))
        instance = objects.Instance.get_by_uuid(self.ctxt, entry['uuid'])
        entry['host'] = instance.host
        op['where'] = instance.host
        op['vm_state'] = instance.vm_state
        if op['dest'] is None and instance.host != op['source']:
            op['dest'] = instance.host
        self.display.finished(op)

    # -- host drains ---------------------------------------------------------

    def _drain(self, index, step):
        """Drain a host through the compute API; one operation per
        instance it held (nova.conductor.tasks.drain), and one drain
        record (``drains`` in the results).
        """
        host = step['drain_host']
        record = {'step': index, 'host': host, 'expect': step.get('expect'),
                  'note': step.get('note'), 'started_at': self.now(),
                  'result': None, 'error': None, 'elapsed_s': None,
                  'max_concurrent': None, 'order': None, 'counts': {}}
        self.drains.append(record)
        self.display.note('[step %d] drain of host %s (purpose %s)' % (
            index, host, fields.MigrationPurpose.EVACUATE_HOST))
        try:
            drain = self.api.drain_host(self.ctxt, host)
        except exception.NovaException as exc:
            record.update(result='refused',
                          error='%s: %s' % (type(exc).__name__, exc))
            self.display.note('  drain of %s refused: %s' % (
                host, record['error']))
            return
        record.update(result=drain.state, elapsed_s=drain.elapsed_s,
                      max_concurrent=drain.max_concurrent,
                      order=drain.order, counts=drain.counts())
        names = {e['uuid']: name for name, e in self.instances.items()
                 if e['uuid']}
        for position, entry in enumerate(drain.entries):
            self._drain_operation(index, position, record, entry,
                                  names.get(entry.instance_uuid,
                                            entry.name or
                                            entry.instance_uuid))
        self.display.note('  drain of %s: %s in %s s (%s)' % (
            host, drain.state, drain.elapsed_s, ', '.join(
                '%d %s' % (n, r) for r, n in record['counts'].items()
                if n) or 'no instance'))

    #: An instance's drain result as a move's result (when the source
    #: did not tell how its migration ended).
    _DRAIN_RESULTS = {'moved': STATUS.COMPLETED, 'refused': 'refused',
                      'failed': STATUS.FAILED, 'error': STATUS.ERROR,
                      'gone': 'skipped'}

    def _drain_operation(self, index, position, record, entry, name):
        op = self._operation(index, position, 'live-migration', name,
                             record['host'], {},
                             fields.MigrationPurpose.EVACUATE_HOST)
        op.update(drain=record['host'], error=entry.error)
        if entry.started_s is not None:
            op['started_at'] = round(record['started_at'] + entry.started_s,
                                     3)
        self.operations.append(op)
        if entry.outcome is not None:
            self._apply_outcome(op, entry.dest, None, entry.outcome)
            op['error'] = op['error'] or entry.error
        else:
            op.update(dest=entry.dest, result=self._DRAIN_RESULTS.get(
                entry.result, entry.result))
        instance = self._instance(name)
        if instance is not None:
            self.instances[name]['host'] = instance.host
            op.update(where=instance.host, vm_state=instance.vm_state)
        self.display.finished(op)

    def _instance(self, name):
        entry = self.instances.get(name)
        if entry is None or entry['uuid'] is None:
            return None
        try:
            return objects.Instance.get_by_uuid(self.ctxt, entry['uuid'])
        except exception.InstanceNotFound:
            return None

    def _failure(self, exc, uuid, known):
        """'refused' when the cloud said no before moving anything (a
        pre-check, no valid host), 'failed' when the move started and was
        rolled back, 'error' otherwise.
        """
        migrations = objects.Migration.get_by_instance(self.ctxt, uuid)
        if (isinstance(exc, (exception.Invalid, exception.NoValidHost,
                             exception.MigrationPreCheckError))
                or len(migrations) <= known):
            return 'refused'
        latest = max(migrations, key=lambda m: m.id)
        if latest.status == STATUS.FAILED:
            return 'failed'
        return 'error'

    def _live_migrate(self, op, step, instance):
        start = self.clock.now()
        handles = [self.timers.every(
            PROGRESS_INTERVAL, lambda: self._progress(op, instance.uuid,
                                                      start))]
        hooks = []

        def event(action, reason, value=None):
            op['actions'].append({'time_s': round(self.clock.now() - start,
                                                  3),
                                  'action': action, 'value': value,
                                  'reason': reason})
            self.display.note('%s: %s' % (op['instance'], reason))

        def request(what, call):
            try:
                call(self.ctxt, objects.Instance.get_by_uuid(
                    self.ctxt, instance.uuid))
                event(what + '-requested', what + ' requested')
            except exception.NovaException as exc:
                event(what + '-refused', '%s refused: %s' % (what, exc))

        if 'force_complete_after' in step:
            handles.append(self.timers.at(
                start + step['force_complete_after'],
                lambda: request('force-complete',
                                self.api.live_migrate_force_complete)))
        if 'abort_after' in step:
            handles.append(self.timers.at(
                start + step['abort_after'],
                lambda: request('abort', self.api.live_migrate_abort)))
        limit = self.scenario.get('migration_time_limit',
                                  scenario_schema.DEFAULT_MIGRATION_TIME_LIMIT)
        stop = []

        def stop_migration(action, reason):
            # Whatever the hosts' [libvirt] timeouts say, the run ends: the
            # migration is aborted and rolled back the normal way (refused
            # in post-copy, which ends by itself).
            if not stop:
                stop.append(action)
                event(action, reason)
                request('abort', self.api.live_migrate_abort)
        handles.append(self.timers.at(start + limit, lambda: stop_migration(
            'time-limit', 'still migrating after the scenario\'s '
            'migration_time_limit of %s s' % limit)))
        handles.append(self.timers.every(PROGRESS_INTERVAL, lambda: (
            interrupt.pending() and stop_migration(
                'interrupted', 'interrupted: aborting the migration'))))
        for fault in step.get('faults') or []:
            self._schedule_fault(op, fault, start, handles, hooks, event)

        def on_progress(migration):
            op['dest'] = migration.dest_compute
            for hook in list(hooks):
                if hook(migration):
                    hooks.remove(hook)
        try:
            migration, outcome = self.api.live_migrate(
                self.ctxt, instance, host=step.get('to'),
                block_migration=step.get('block_migration', False),
                force=step.get('force', False), on_progress=on_progress,
                purpose=op['purpose'])
        finally:
            for handle in handles:
                self.timers.cancel(handle)
        op['purpose'] = migration.effective_purpose
        self._apply_outcome(op, migration.dest_compute, migration.status,
                            outcome)

    @staticmethod
    def _apply_outcome(op, dest, status, outcome):
        """Fill ``op`` from how the source ended the migration (``status``
        of its record when the source cannot tell).
        """
        if outcome is None:
            # The migration never started, yet the guest was found on the
            # destination: the record says how it was settled.
            op.update(dest=dest, result=status)
            return
        op.update(
            dest=dest, result=outcome.status,
            error=outcome.error, settlement=outcome.settlement,
            policy=policy_label(outcome.policy),
            flags=outcome.flags, total_time_s=outcome.total_time_s,
            downtime_ms=outcome.downtime_ms, bytes_moved=outcome.bytes_moved,
            iterations=outcome.iterations,
            samples=list(outcome.samples))
        op['actions'] = sorted(op['actions'] + list(outcome.actions),
                               key=lambda a: a['time_s'])

    def _schedule_fault(self, op, fault, start, handles, hooks, event):
        if 'network_drop' in fault:
            spec = fault['network_drop']
            seconds = spec.get('seconds', DEFAULT_DROP_SECONDS)

            def drop():
                self.cloud.drop_link(op['source'], op['dest'], seconds)
                event('fault:network-drop', 'network between %s and %s '
                      'dropped for %s s' % (op['source'], op['dest'],
                                            seconds))
            handles.append(self.timers.at(start + spec['after'], drop))
            return
        spec = fault['destination_failure']

        def fail():
            self.cloud.fail_host(op['dest'])
            event('fault:destination-failure',
                  'destination host %s failed' % op['dest'])
            return True
        if spec.get('in_post_copy'):
            hooks.append(lambda m: m.status == STATUS.POST_COPY and fail())
        else:
            handles.append(self.timers.at(start + spec.get('after', 0),
                                          fail))

    def _progress(self, op, uuid, start):
        manager = self.cloud.deployment.compute(op['source'])
        progress = manager.driver.migration_progress(uuid)
        if progress is not None and progress[0] is not None:
            sample, actions = progress
            self.display.progress(op, sample, len(actions),
                                  self.clock.now() - start)
