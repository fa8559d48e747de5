"""The flavors the compute API offers, kept by the API service.

Upstream Nova keeps flavors in its API database; here they live in the
API process (the embedded cloud's scenario seeds them).  A server keeps
its own copy of the flavor it booted with, as in Nova, so changing or
deleting a flavor never changes a running server.  Every change of
extra specs is validated first: each key/value by the project's
validators, then the whole set by the migration-policy resolver (for
example auto-converge and post-copy both true), so a flavor never holds
a combination that would be refused at boot.
"""

import dataclasses
import threading

from oslo_utils import uuidutils

from nova.api.validation.extra_specs import validators
from nova import exception
from nova import objects
from nova.virt import migration_policy


class FlavorNotFound(exception.NovaException):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'
    code = 404


class FlavorExists(exception.NovaException):
    msg_fmt = 'Flavor with %(what)s %(value)s already exists.'
    code = 409


class ExtraSpecNotFound(exception.NovaException):
    msg_fmt = 'Flavor %(flavor_id)s has no extra spec with key %(key)s.'
    code = 404


@dataclasses.dataclass
class Entry:
    flavor: object
    is_public: bool = True
    description: str = None


def check_extra_specs(specs):
    """Raise a typed Invalid error naming the key, value and rule."""
    validators.validate_extra_specs(specs)
    probe = objects.Flavor(flavorid='check', name='check', vcpus=1,
                           memory_mb=1, extra_specs=dict(specs))
    migration_policy.requested_features(probe, None)


class FlavorStore(object):

    def __init__(self):
        self._entries = {}
        self._lock = threading.Lock()

    def create(self, name, vcpus, memory_mb, root_gb=0, ephemeral_gb=0,
               swap=0, flavorid=None, is_public=True, description=None,
               extra_specs=None):
        """Add a flavor; returns its Entry (FlavorExists on a clash)."""
        specs = dict(extra_specs or {})
        check_extra_specs(specs)
        flavorid = flavorid or uuidutils.generate_uuid()
        flavor = objects.Flavor(
            flavorid=flavorid, name=name, vcpus=vcpus, memory_mb=memory_mb,
            root_gb=root_gb, ephemeral_gb=ephemeral_gb, swap=swap,
            extra_specs=specs)
        with self._lock:
            if flavorid in self._entries:
                raise FlavorExists(what='ID', value=flavorid)
            if any(e.flavor.name == name for e in self._entries.values()):
                raise FlavorExists(what='name', value=name)
            entry = Entry(flavor, is_public, description)
            self._entries[flavorid] = entry
        return self._copy(entry)

    @staticmethod
    def _copy(entry):
        return Entry(entry.flavor.obj_clone(), entry.is_public,
                     entry.description)

    def get(self, flavorid):
        with self._lock:
            entry = self._entries.get(flavorid)
            if entry is None:
                raise FlavorNotFound(flavor_id=flavorid)
            return self._copy(entry)

    def list(self):
        with self._lock:
            return [self._copy(e) for e in self._entries.values()]

    def delete(self, flavorid):
        with self._lock:
            if self._entries.pop(flavorid, None) is None:
                raise FlavorNotFound(flavor_id=flavorid)

    def update_extra_specs(self, flavorid, changes, removed=()):
        """Set ``changes`` and drop ``removed`` keys, atomically; returns
        the new extra specs.  Nothing changes when the result is refused.
        """
        with self._lock:
            entry = self._entries.get(flavorid)
            if entry is None:
                raise FlavorNotFound(flavor_id=flavorid)
            specs = dict(entry.flavor.extra_specs)
            for key in removed:
                if key not in specs:
                    raise ExtraSpecNotFound(flavor_id=flavorid, key=key)
                del specs[key]
            specs.update(changes)
            check_extra_specs(specs)
            entry.flavor.extra_specs = specs
            return dict(specs)
