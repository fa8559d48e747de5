"""One case's simulated world: two hosts, their link, the guests' workloads.

The policy runs (nova.bench.harness) and the oracle's search
(nova.bench.oracle) build it the same way, so that both see the same
physics; what happened to each guest is read back from the simulator's
own account (``guest_report``), not from what a policy saw.
"""

import uuid as uuidlib

from nova.scenario import timers as scenario_timers
from nova.sim import clock as sim_clock
from nova.sim import jobs as sim_jobs
from nova.sim import libvirt as sim_libvirt
from nova.sim import links as sim_links
from nova.sim import model

SRC = 'src'
DST = 'dst'
SRC_URI = 'sim://src/system'
DST_URI = 'sim://dst/system'
_NAMESPACE = uuidlib.UUID('7d1c6a58-3b0e-4a8e-9d55-6a4f0b1c2e77')

COMPLETED = 'completed'
ABORTED = 'aborted'
LOST = 'lost'
#: Completed outside the guest's limits: stopped or switched over too
#: long, throttled too far, post-copied or paused where its tier (or the
#: purpose) forbids it.
OVER_LIMIT = 'over_limit'
OUTCOMES = (COMPLETED, ABORTED, LOST, OVER_LIMIT)


def guest_uuid(case, guest):
    return str(uuidlib.uuid5(_NAMESPACE, '%s/%s' % (case.name, guest.name)))


def link_profile(case):
    values = case.link_kwargs()
    for key, cls in (('dips', sim_links.Dips), ('flaky', sim_links.Flaky),
                     ('competing', sim_links.Competing)):
        if values.get(key):
            values[key] = cls(**values[key])
    return sim_links.LinkProfile(**values)


class World(object):
    """The network of one case, made the default of nova.sim.libvirt."""

    def __init__(self, case):
        self.case = case
        self.clock = sim_clock.VirtualClock()
        self.network = sim_libvirt.Network(self.clock,
                                           bandwidth_mbps=case.bandwidth_mbps)
        sim_libvirt.set_network(self.network)
        self.src = self.network.add_host(SRC_URI, SRC)
        self.dst = self.network.add_host(DST_URI, DST)
        self.link = link_profile(case)
        self.network.set_link(self.src, self.dst, self.link)
        self.timers = None

    def start_workloads(self, start=0.0):
        """Give every guest its workload and schedule its phases."""
        self.timers = scenario_timers.Timers(self.clock)
        for guest in self.case.guests:
            uuid = guest_uuid(self.case, guest)
            self.set_workload(uuid, guest.workload_at())
            for at, changes in guest.phases:
                self.timers.at(start + at, self._phase(
                    uuid, guest.workload_at(changes)))

    def _phase(self, uuid, workload):
        return lambda: self.set_workload(uuid, workload)

    def set_workload(self, uuid, workload):
        """Set the workload of the guest wherever it runs."""
        for host in (self.src, self.dst):
            record = host.get_domain(uuid)
            if record is not None and record.active:
                conn = sim_libvirt.open(host.uri)
                conn.lookupByUUIDString(uuid).simSetWorkload(workload)
                return

    def close(self):
        if self.timers is not None:
            self.timers.close()
        self.network.fail_all_jobs('benchmark run over')
        sim_libvirt.set_network(None)

    # -- what happened ------------------------------------------------------

    def job_of(self, uuid):
        """The last migration job of a guest (ended or not), or None."""
        for job in reversed(self.network.jobs +
                            self.network.finished_jobs):
            if job.record.uuid == uuid:
                return job
        return None

    def result(self, guest):
        """The guest's outcome and metrics from the simulator's account,
        judged against the guest's limits in this case.
        """
        job = self.job_of(guest_uuid(self.case, guest))
        if job is None:
            return {'outcome': ABORTED, 'total_time_s': 0.0,
                    'downtime_ms': 0, 'stop_ms': 0, 'bytes_moved': 0,
                    'throttled_vcpu_s': 0.0, 'blocktime_s': 0.0,
                    'postcopy_requests': 0, 'switch': '',
                    'max_throttle': 0, 'violations': [],
                    'mode': 'not started'}
        m = job.model
        report = m.guest_report()
        result = {'total_time_s': round(report['elapsed_s'], 3),
                  'downtime_ms': int(round(m.downtime_ms or 0)),
                  'stop_ms': int(round(report['stop_s'] * 1000)),
                  'bytes_moved': report['bytes_moved'],
                  'throttled_vcpu_s': round(report['throttled_vcpu_s'], 3),
                  'blocktime_s': round(report['blocktime_s'], 3),
                  'postcopy_requests': report['postcopy_requests'],
                  'max_throttle': m.throttle,
                  'switch': _switch(report), 'mode': m.mode}
        result['violations'] = violations(
            self.case.limits(guest), result, report,
            recoverable=sim_jobs.can_resume_postcopy(self.src, self.dst))
        if m.mode == model.COMPLETED:
            outcome = OVER_LIMIT if result['violations'] else COMPLETED
        elif m.mode in (model.LOST, model.POSTCOPY_PAUSED):
            # A post-copy nobody resumed is a guest on neither host.
            outcome = LOST
        else:
            outcome = ABORTED
        result['outcome'] = outcome
        return result


def violations(limits, result, report, recoverable=True):
    """What the migration did that the guest's limits forbid (a list of
    short texts; empty when it kept within them).
    """
    found = []
    if result['stop_ms'] > limits.stop_ms.value:
        found.append('stop %d ms > %d' % (result['stop_ms'],
                                          limits.stop_ms.value))
    if result['downtime_ms'] > limits.downtime_ms.value:
        found.append('downtime %d ms > %d' % (result['downtime_ms'],
                                              limits.downtime_ms.value))
    if result['max_throttle'] > limits.throttle_pct.value:
        found.append('throttle %d %% > %d' % (result['max_throttle'],
                                              limits.throttle_pct.value))
    if report['postcopy_at_s'] is not None and not (
            limits.allows_post_copy(recoverable)):
        found.append('post-copy')
    if report['paused_at_s'] is not None and not limits.pause.value:
        found.append('paused')
    return found


def _switch(report):
    """How pre-copy was ended: 'post-copy at T s', 'paused at T s', ''."""
    for key, word in (('postcopy_at_s', 'post-copy'),
                      ('paused_at_s', 'paused')):
        if report[key] is not None:
            return '%s at %.1f s' % (word, report[key])
    return ''


def cost(result, guest):
    """What the oracle minimises: the migration's time plus the guest's
    lost time (stop, post-copy faults, throttled vCPU share).
    """
    return (result['total_time_s'] + result['stop_ms'] / 1000.0 +
            result['blocktime_s'] +
            result['throttled_vcpu_s'] / guest.vcpus)
