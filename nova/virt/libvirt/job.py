"""JobInfo: a libvirt job's statistics as one immutable value.

Built by Guest.get_job_info() from virDomainGetJobStats(); everything the
monitor decides is decided from these values, never from libvirt calls.
"""

import dataclasses

# virDomainJobType values (libvirt-domain.h).
JOB_NONE = 0
JOB_BOUNDED = 1
JOB_UNBOUNDED = 2
JOB_COMPLETED = 3
JOB_FAILED = 4
JOB_CANCELLED = 5

ACTIVE_TYPES = (JOB_BOUNDED, JOB_UNBOUNDED)
FINISHED_TYPES = (JOB_COMPLETED, JOB_FAILED, JOB_CANCELLED)


@dataclasses.dataclass(frozen=True)
class JobInfo:
    """Statistics of a domain job; sizes in bytes, times in milliseconds."""

    type: int = JOB_NONE
    time_elapsed: int = 0
    time_remaining: int = 0
    downtime: int = 0
    setup_time: int = 0
    data_total: int = 0
    data_processed: int = 0
    data_remaining: int = 0
    memory_total: int = 0
    memory_processed: int = 0
    memory_remaining: int = 0
    memory_constant: int = 0
    memory_normal: int = 0
    memory_normal_bytes: int = 0
    memory_bps: int = 0
    memory_dirty_rate: int = 0
    memory_iteration: int = 0
    memory_page_size: int = 0
    memory_postcopy_requests: int = 0
    disk_total: int = 0
    disk_processed: int = 0
    disk_remaining: int = 0
    disk_bps: int = 0
    auto_converge_throttle: int = 0

    @classmethod
    def from_stats(cls, stats):
        """Build from the dict virDomainGetJobStats() returns.

        Keys this type does not know are ignored; missing ones are 0.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: int(value) for key, value in stats.items()
                      if key in known and value is not None})

    @property
    def is_active(self):
        return self.type in ACTIVE_TYPES

    @property
    def is_finished(self):
        return self.type in FINISHED_TYPES
