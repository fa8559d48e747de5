"""Guest: one libvirt domain, with the calls the migration code needs."""

from oslo_log import log as logging

from nova.compute import power_state
from nova import exception
from nova.virt.libvirt import job

LOG = logging.getLogger(__name__)

#: libvirt reports this (VIR_ERR_INTERNAL_ERROR) when jobStats races the
#: end of a migration: QEMU's job is over, its RAM statistics are gone,
#: and libvirt has not yet noticed.  The migration may well have
#: completed: it is "no job information yet", never a failure.
NO_RAM_INFO = 'migration was active, but no RAM info was set'


def _power_states(lv):
    return {
        lv.VIR_DOMAIN_NOSTATE: power_state.NOSTATE,
        lv.VIR_DOMAIN_RUNNING: power_state.RUNNING,
        lv.VIR_DOMAIN_BLOCKED: power_state.RUNNING,
        lv.VIR_DOMAIN_PAUSED: power_state.PAUSED,
        lv.VIR_DOMAIN_SHUTDOWN: power_state.SHUTDOWN,
        lv.VIR_DOMAIN_SHUTOFF: power_state.SHUTDOWN,
        lv.VIR_DOMAIN_CRASHED: power_state.CRASHED,
        lv.VIR_DOMAIN_PMSUSPENDED: power_state.SUSPENDED,
    }


class Guest(object):

    def __init__(self, domain, host):
        self._domain = domain
        self._host = host
        self._lv = host.libvirt

    @property
    def uuid(self):
        return self._domain.UUIDString()

    @property
    def name(self):
        return self._domain.name()

    def _call(self, what, fn, *args):
        return self._host.call(what, fn, *args)

    def get_xml_desc(self, migratable=False):
        """The domain XML; ``migratable``: as a destination must get it
        (without what only this host's running QEMU has, such as the CPU
        check libvirt filled in).
        """
        flags = self._lv.VIR_DOMAIN_XML_MIGRATABLE if migratable else 0
        return self._call('XMLDesc', self._domain.XMLDesc, flags)

    def is_paused(self):
        state, _reason = self._call('state', self._domain.state, 0)
        return state == self._lv.VIR_DOMAIN_PAUSED

    def is_running(self):
        state, _reason = self._call('state', self._domain.state, 0)
        return state == self._lv.VIR_DOMAIN_RUNNING

    def is_postcopy_failed(self):
        """True while the guest waits, paused here, for a post-copy whose
        connection broke to be resumed (libvirt's POSTCOPY_FAILED).
        """
        state, reason = self._call('state', self._domain.state, 0)
        return (state == self._lv.VIR_DOMAIN_PAUSED and
                reason == self._lv.VIR_DOMAIN_PAUSED_POSTCOPY_FAILED)

    def power_state(self):
        """The domain's state as a nova.compute.power_state value."""
        state, _reason = self._call('state', self._domain.state, 0)
        return _power_states(self._lv).get(state, power_state.NOSTATE)

    def is_active(self):
        return bool(self._call('isActive', self._domain.isActive))

    def destroy(self):
        """Stop the domain at once (if it runs) and forget it."""
        if self.is_active():
            self._call('destroy', self._domain.destroy)
        if self._call('isPersistent', self._domain.isPersistent):
            self._call('undefine', self._domain.undefine)

    def pause(self):
        self._call('suspend', self._domain.suspend)

    def resume(self):
        self._call('resume', self._domain.resume)

    def get_job_info(self):
        """The current job's statistics as a JobInfo.

        When no job runs any more, the statistics of the last completed job
        are returned (type COMPLETED, FAILED or CANCELLED), so the caller
        sees how a migration ended even after the source domain was
        undefined.
        """
        try:
            stats = self._domain.jobStats(0)
            if stats.get('type', job.JOB_NONE) != job.JOB_NONE:
                return job.JobInfo.from_stats(stats)
            stats = self._domain.jobStats(
                self._lv.VIR_DOMAIN_JOB_STATS_COMPLETED)
        except self._lv.libvirtError as exc:
            code = exc.get_error_code()
            if code == self._lv.VIR_ERR_NO_DOMAIN or (
                    code == self._lv.VIR_ERR_OPERATION_INVALID
                    and not self._domain_active()):
                # The source domain is gone, or (real libvirt, just after
                # the switch-over) stopped and about to go: the migration
                # finished.
                return job.JobInfo(type=job.JOB_COMPLETED)
            if (code == self._lv.VIR_ERR_INTERNAL_ERROR
                    and NO_RAM_INFO in (exc.get_error_message() or '')):
                LOG.debug('No job statistics for %s yet: %s', self.uuid,
                          exc.get_error_message())
                return job.JobInfo(type=job.JOB_NONE)
            raise exception.LibvirtCallFailed(
                operation='jobStats', code=code,
                reason=exc.get_error_message())
        return job.JobInfo.from_stats(stats)

    def _domain_active(self):
        try:
            return bool(self._domain.isActive())
        except self._lv.libvirtError:
            return False

    def migrate(self, dest_uri, flags, params):
        """Start a live migration; blocks until libvirt says it ended.

        The call runs over a connection of its own (see
        Host.own_domain_handle), so that the monitor's calls get through
        while it blocks.
        """
        def call():
            with self._host.own_domain_handle(self.uuid) as domain:
                domain.migrateToURI3(dest_uri, dict(params), int(flags))
        self._call('migrateToURI3', call)

    def abort_job(self):
        # libvirt-python's abortJob() takes no flags argument.
        self._call('abortJob', self._domain.abortJob)

    def migrate_configure_max_downtime(self, milliseconds):
        self._call('migrateSetMaxDowntime', self._domain.migrateSetMaxDowntime,
                   int(milliseconds), 0)

    def migrate_configure_max_speed(self, mib_per_second):
        self._call('migrateSetMaxSpeed', self._domain.migrateSetMaxSpeed,
                   int(mib_per_second), 0)

    def migrate_start_postcopy(self):
        self._call('migrateStartPostCopy',
                   self._domain.migrateStartPostCopy, 0)
