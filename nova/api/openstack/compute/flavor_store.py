"""The flavors the compute API offers, in the database (``flavors``).

Every API worker, and an API restarted, see the same flavors (the
embedded cloud's scenario seeds them).  A server keeps its own copy of
the flavor it booted with, as in Nova, so changing or deleting a flavor
never changes a running server.  Every change of extra specs is
validated first: each key/value by the project's validators, then the
whole set by the migration-policy resolver (for example auto-converge
and post-copy both true), so a flavor never holds a combination that
would be refused at boot.  A change of extra specs locks the flavor's
row: two at once never lose one another's keys.
"""

import dataclasses

from oslo_db import exception as db_exc
from oslo_serialization import jsonutils
from oslo_utils import uuidutils

from nova.api.validation.extra_specs import validators
from nova import context as nova_context
from nova.db import api as db
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


def _entry(row):
    flavor = objects.Flavor(
        flavorid=row['flavorid'], name=row['name'], vcpus=row['vcpus'],
        memory_mb=row['memory_mb'], root_gb=row['root_gb'] or 0,
        ephemeral_gb=row['ephemeral_gb'] or 0, swap=row['swap'] or 0,
        extra_specs=jsonutils.loads(row['extra_specs'] or '{}'))
    return Entry(flavor, row['is_public'], row['description'])


def _ctxt():
    # A context per call: a transaction belongs to its context, and the
    # API's request threads share the store.
    return nova_context.get_admin_context()


class FlavorStore(object):

    def create(self, name, vcpus, memory_mb, root_gb=0, ephemeral_gb=0,
               swap=0, flavorid=None, is_public=True, description=None,
               extra_specs=None):
        """Add a flavor; returns its Entry (FlavorExists on a clash)."""
        specs = dict(extra_specs or {})
        check_extra_specs(specs)
        flavorid = flavorid or uuidutils.generate_uuid()
        # The object checks the types and signs of the sizes.
        flavor = objects.Flavor(
            flavorid=flavorid, name=name, vcpus=vcpus, memory_mb=memory_mb,
            root_gb=root_gb, ephemeral_gb=ephemeral_gb, swap=swap,
            extra_specs=specs)
        values = {name: getattr(flavor, name) for name in (
            'flavorid', 'name', 'vcpus', 'memory_mb', 'root_gb',
            'ephemeral_gb', 'swap')}
        values.update(is_public=is_public, description=description,
                      extra_specs=jsonutils.dumps(specs))
        ctxt = _ctxt()
        try:
            with db.writer(ctxt):
                if db.flavor_get(ctxt, flavorid) is not None:
                    raise FlavorExists(what='ID', value=flavorid)
                if db.flavor_get_by_name(ctxt, name) is not None:
                    raise FlavorExists(what='name', value=name)
                row = db.flavor_create(ctxt, values)
        except db_exc.DBDuplicateEntry as exc:
            # Another request created it between the checks and the write.
            if 'name' in (exc.columns or ()):
                raise FlavorExists(what='name', value=name)
            raise FlavorExists(what='ID', value=flavorid)
        return _entry(row)

    def get(self, flavorid):
        row = db.flavor_get(_ctxt(), flavorid)
        if row is None:
            raise FlavorNotFound(flavor_id=flavorid)
        return _entry(row)

    def list(self):
        """Every flavor, oldest first."""
        return [_entry(row) for row in db.flavor_get_all(_ctxt())]

    def delete(self, flavorid):
        if not db.flavor_destroy(_ctxt(), flavorid):
            raise FlavorNotFound(flavor_id=flavorid)

    def update_extra_specs(self, flavorid, changes, removed=()):
        """Set ``changes`` and drop ``removed`` keys, atomically; returns
        the new extra specs.  Nothing changes when the result is refused.
        """
        ctxt = _ctxt()
        with db.writer(ctxt):
            row = db.flavor_get(ctxt, flavorid, for_update=True)
            if row is None:
                raise FlavorNotFound(flavor_id=flavorid)
            specs = jsonutils.loads(row['extra_specs'] or '{}')
            for key in removed:
                if key not in specs:
                    raise ExtraSpecNotFound(flavor_id=flavorid, key=key)
                del specs[key]
            specs.update(changes)
            check_extra_specs(specs)
            db.flavor_update(ctxt, flavorid,
                             {'extra_specs': jsonutils.dumps(specs)})
            return dict(specs)
