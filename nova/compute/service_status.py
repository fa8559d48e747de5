"""What operators set on a service: disabled (with a reason), forced down.

One record per (binary, host), with the uuid the API names it by.  A
disabled compute service keeps its instances and takes part in moves
away from it, but the scheduler sends nothing new to it; a forced-down
one counts as down (the operator states that its host is fenced), so its
instances may be evacuated.

Two registries keep them, with the same methods: ``ServiceRegistry`` in
the memory of the process that owns an embedded deployment, and
``DBServiceRegistry`` in the ``services`` table, where every API worker,
the conductor's scheduler and each compute service (through its
heartbeat) see the same settings.
"""

import dataclasses
import threading

from oslo_utils import timeutils
from oslo_utils import uuidutils

from nova import context as nova_context
from nova import exception
from nova import objects

COMPUTE = 'nova-compute'
#: The fields an operator may change.
SETTINGS = ('disabled', 'disabled_reason', 'forced_down')


def _check_settings(changes):
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise ValueError('cannot change %s' % ', '.join(sorted(unknown)))


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
        """Change the record's fields; returns (old, new) copies, or
        (None, None) when no record has ``uuid``.
        """
        _check_settings(changes)
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

    def is_enabled(self, host):
        return not self.is_disabled(host)

    def alive(self, record):
        """Whether a service that is not a compute service is up: in one
        process, always.
        """
        return True


def _status(service):
    return ServiceStatus(service.uuid, service.binary, service.host,
                         disabled=service.disabled,
                         disabled_reason=service.disabled_reason,
                         forced_down=service.forced_down,
                         updated_at=service.updated_at)


class DBServiceRegistry(object):
    """The records in the ``services`` table (see the module's doc).

    Rows are made by the services themselves when they first start
    (``nova.servicegroup.register``); ``updated_at`` is their last
    heartbeat.  ``group`` (a nova.servicegroup.DBServiceGroup) tells
    whether a service is up.
    """

    def __init__(self, group):
        self.group = group

    @staticmethod
    def _ctxt():
        # A context per call: a transaction belongs to its context, and
        # the API's request threads share this registry.
        return nova_context.get_admin_context()

    def list(self):
        return [_status(s) for s in objects.Service.get_all(self._ctxt())]

    def get(self, uuid):
        """The record with ``uuid``, or None."""
        service = objects.Service.get_by_uuid(self._ctxt(), uuid)
        return None if service is None else _status(service)

    def update(self, uuid, **changes):
        """Change the record's fields (row locked); returns (old, new),
        or (None, None) when no record has ``uuid``.
        """
        _check_settings(changes)
        old, new = objects.Service.update_by_uuid(self._ctxt(), uuid,
                                                  changes)
        if old is None:
            return None, None
        return _status(old), _status(new)

    def _compute(self, host):
        try:
            return objects.Service.get_by_host_and_binary(
                self._ctxt(), host, COMPUTE)
        except exception.ServiceNotFound:
            return None

    def is_disabled(self, host):
        service = self._compute(host)
        return service is not None and service.disabled

    def is_enabled(self, host):
        return not self.is_disabled(host)

    def is_forced_down(self, host):
        service = self._compute(host)
        return service is not None and service.forced_down

    def alive(self, record):
        return self.group.is_up(record.binary, record.host)
