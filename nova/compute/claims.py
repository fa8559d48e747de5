"""Claims: resources a compute host has promised to one instance or move.

A claim is a context manager.  Leaving the ``with`` block by an exception
aborts it -- the usage is dropped from the host's tracker and, for a move,
the migration context is removed from the instance -- and the exception
goes on.  Leaving it normally keeps the claim.
"""

import dataclasses

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Usage:
    """What one instance or one move consumes on a host."""

    vcpus: int = 0
    memory_mb: int = 0
    disk_gb: int = 0
    # vPMEM namespace names held on this host.
    namespaces: frozenset = frozenset()

    @classmethod
    def of(cls, flavor, resources=None):
        names = frozenset(r.identifier for r in (resources or ()))
        return cls(flavor.vcpus, flavor.memory_mb, flavor.disk_gb, names)

    def __add__(self, other):
        return Usage(self.vcpus + other.vcpus,
                     self.memory_mb + other.memory_mb,
                     self.disk_gb + other.disk_gb,
                     self.namespaces | other.namespaces)


class Claim(object):
    """An instance's usage on the host that builds or rebuilds it."""

    def __init__(self, tracker, instance, usage):
        self.tracker = tracker
        self.instance = instance
        self.usage = usage
        self.aborted = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if exc_type is not None:
            LOG.info('Aborting the claim of %s on %s: %s',
                     self.instance.uuid, self.tracker.host, exc_val)
            self.abort()
        return False

    def abort(self):
        if not self.aborted:
            self.aborted = True
            self.tracker.abort_instance_claim(self.instance)


class MoveClaim(Claim):
    """A move's usage on its destination, plus the migration context."""

    def __init__(self, tracker, instance, usage, migration):
        super().__init__(tracker, instance, usage)
        self.migration = migration

    @property
    def migration_context(self):
        return self.instance.migration_context

    def abort(self):
        if not self.aborted:
            self.aborted = True
            self.tracker.drop_move_claim(self.instance, self.migration)
