"""What operators set on a service: disabled (with a reason), forced down.

One record per (binary, host), with the uuid the API names it by.  A
disabled compute service keeps its instances and takes part in moves
away from it, but the scheduler sends nothing new to it; a forced-down
one counts as down (the operator states that its host is fenced), so its
instances may be evacuated.  The records live in the process that owns
the deployment.
"""

import dataclasses
import threading

from oslo_utils import timeutils
from oslo_utils import uuidutils

COMPUTE = 'nova-compute'


@dataclasses.dataclass
class ServiceStatus:
    uuid: str
    binary: str
    host: str
    disabled: bool = False
    disabled_reason: str = None
    forced_down: bool = False
    updated_at: object = None


class ServiceRegistry(object):

    def __init__(self):
        self._records = {}
        self._lock = threading.Lock()

    def ensure(self, binary, host):
        """The record of ``binary`` on ``host``, created if new."""
        with self._lock:
            record = self._records.get((binary, host))
            if record is None:
                record = ServiceStatus(uuidutils.generate_uuid(), binary,
                                       host, updated_at=timeutils.utcnow())
                self._records[(binary, host)] = record
            return dataclasses.replace(record)

    def list(self):
        with self._lock:
            return [dataclasses.replace(r) for r in self._records.values()]

    def get(self, uuid):
        """The record with ``uuid``, or None."""
        with self._lock:
            for record in self._records.values():
                if record.uuid == uuid:
                    return dataclasses.replace(record)
        return None

    def update(self, uuid, **changes):
        """Change the record's fields; returns (old, new) copies."""
        unknown = set(changes) - {'disabled', 'disabled_reason',
                                  'forced_down'}
        if unknown:
            raise ValueError('cannot change %s' % ', '.join(sorted(unknown)))
        with self._lock:
            for record in self._records.values():
                if record.uuid == uuid:
                    old = dataclasses.replace(record)
                    for name, value in changes.items():
                        setattr(record, name, value)
                    record.updated_at = timeutils.utcnow()
                    return old, dataclasses.replace(record)
        return None, None

    def _compute(self, host):
        with self._lock:
            return self._records.get((COMPUTE, host))

    def is_disabled(self, host):
        record = self._compute(host)
        return record is not None and record.disabled

    def is_forced_down(self, host):
        record = self._compute(host)
        return record is not None and record.forced_down
