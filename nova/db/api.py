"""The database API the object layer calls.

Every function takes a ``nova.context.RequestContext`` first and returns
plain dicts (column name to value).  An instance's dict also carries
``'extra'``: the JSON texts of its ``instance_extra`` row, keyed by
``nova.db.models.EXTRA_COLUMNS``.

Transactions come from oslo.db's enginefacade.  ``context_manager`` starts
on first use from ``CONF.database`` (tests point it at their own engine,
see ``nova.tests.fixtures.Database``).  A function called while the
context already has a transaction open joins that transaction.

SQLite takes one writer at a time, and an in-memory database is a single
connection that oslo.db shares between threads (a StaticPool with
``check_same_thread=False``).  On SQLite every transaction therefore holds
a process-wide lock, so threads never interleave statements on that
connection nor race for the database's write lock.
"""

import contextlib
import threading

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova.db import models
from nova import exception

context_manager = enginefacade.transaction_context()

# Migrations in these states are over; everything else is in progress.
FINAL_MIGRATION_STATUSES = ('completed', 'failed', 'error', 'cancelled')

_sqlite_lock = threading.RLock()
#: Called before every transaction; raises when this process (or, in the
#: embedded default, this thread's service) may not use the database.
_access_guard = None


def set_access_guard(guard):
    """Install ``guard()`` (None: allow everything); see _transaction."""
    global _access_guard
    _access_guard = guard


@contextlib.contextmanager
def _transaction(manager, ctxt):
    if _access_guard is not None:
        _access_guard()
    if manager.get_engine().dialect.name != 'sqlite':
        with manager.using(ctxt) as session:
            yield session
        return
    with _sqlite_lock:
        with manager.using(ctxt) as session:
            yield session


def writer(ctxt):
    """A read-write transaction on ``ctxt``, as a context manager.

    Yields the session.  Calls made inside it with the same context join
    it: ``with api.writer(ctxt): api.instance_update(...); ...`` commits
    both or neither.  Use this rather than ``context_manager.writer``
    directly, which would skip the SQLite lock.
    """
    return _transaction(context_manager.writer, ctxt)


def reader(ctxt):
    """A read-only transaction on ``ctxt``; see ``writer``."""
    return _transaction(context_manager.reader, ctxt)


def _as_dict(row):
    return {column.key: getattr(row, column.key)
            for column in row.__table__.columns}


def _row_by(session, model, for_update=False, **filters):
    """The one row of ``model`` matching ``filters``, or None; locked
    (``SELECT ... FOR UPDATE``) when ``for_update``.
    """
    query = sa.select(model).filter_by(**filters)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def _set(row, values):
    """Copy ``values`` onto a model row, refusing unknown columns."""
    unknown = sorted(set(values) - set(row.__table__.columns.keys()))
    if unknown:
        raise ValueError('%s has no column %s' % (
            row.__tablename__, ', '.join(unknown)))
    for key, value in values.items():
        setattr(row, key, value)


# -- instances ---------------------------------------------------------------

def _instance_dict(instance):
    result = _as_dict(instance)
    extra = instance.extra
    result['extra'] = {name: getattr(extra, name) if extra else None
                       for name in models.EXTRA_COLUMNS}
    return result


def _instance_get(session, uuid, for_update=False):
    if for_update:
        # Lock the row alone: PostgreSQL refuses FOR UPDATE on the outer
        # join that loads instance_extra with it.
        session.execute(sa.select(models.Instance.id).filter_by(
            uuid=uuid).with_for_update())
    query = sa.select(models.Instance).filter_by(uuid=uuid)
    instance = session.scalars(query).unique().one_or_none()
    if instance is None:
        raise exception.InstanceNotFound(instance_id=uuid,
                                         host='the database')
    return instance


def _split_extra(values):
    values = dict(values)
    extra = values.pop('extra', None) or {}
    unknown = sorted(set(extra) - set(models.EXTRA_COLUMNS))
    if unknown:
        raise ValueError('instance_extra has no column %s' % ', '.join(
            unknown))
    return values, extra


def instance_create(ctxt, values):
    """Create an instance and its ``instance_extra`` row.

    ``values`` may hold an ``'extra'`` dict of JSON texts.
    """
    values, extra = _split_extra(values)
    with writer(ctxt) as session:
        instance = models.Instance(created_at=timeutils.utcnow())
        _set(instance, values)
        instance.extra = models.InstanceExtra(**extra)
        session.add(instance)
        session.flush()
        return _instance_dict(instance)


def instance_get_by_uuid(ctxt, uuid):
    with reader(ctxt) as session:
        return _instance_dict(_instance_get(session, uuid))


def instance_update(ctxt, uuid, values, expected=None):
    """Change the given columns; ``'extra'`` changes only the keys given.

    ``expected`` ({column: allowed values}) makes the update a
    compare-and-swap: inside the same transaction, with the row locked
    (``SELECT ... FOR UPDATE``; on SQLite the process-wide lock), the
    current values must be among the allowed ones, otherwise nothing is
    written and UnexpectedInstanceState is raised naming the column, what
    it holds and what was expected.  Two requests racing to start a task
    on one instance thus cannot both win.
    """
    values, extra = _split_extra(values)
    with writer(ctxt) as session:
        instance = _instance_get(session, uuid, for_update=bool(expected))
        for column, allowed in (expected or {}).items():
            allowed = tuple(allowed)
            current = getattr(instance, column)
            if current not in allowed:
                raise exception.UnexpectedInstanceState(
                    instance_uuid=uuid, column=column,
                    actual=current or 'none',
                    expected=', '.join(a or 'none' for a in allowed))
        _set(instance, values)
        if instance.extra is None:
            instance.extra = models.InstanceExtra()
        _set(instance.extra, extra)
        instance.updated_at = timeutils.utcnow()
        session.flush()
        return _instance_dict(instance)


def _instances(session, **filters):
    query = sa.select(models.Instance).filter_by(**filters).order_by(
        models.Instance.id)
    return [_instance_dict(instance)
            for instance in session.scalars(query).unique()]


def instance_get_all(ctxt):
    with reader(ctxt) as session:
        return _instances(session)


def instance_get_all_by_host(ctxt, host):
    with reader(ctxt) as session:
        return _instances(session, host=host)


def instance_destroy(ctxt, uuid):
    """Delete an instance and its extra row (its migrations stay)."""
    with writer(ctxt) as session:
        instance = _instance_get(session, uuid)
        if instance.extra is not None:
            session.delete(instance.extra)
        session.delete(instance)


# -- migrations --------------------------------------------------------------

def _migration_get(session, migration_id):
    migration = session.get(models.Migration, migration_id)
    if migration is None:
        raise exception.MigrationNotFound(migration_id=migration_id)
    return migration


def _create(ctxt, model, values, timestamps=True):
    with writer(ctxt) as session:
        row = model(created_at=timeutils.utcnow()) if timestamps else model()
        _set(row, values)
        session.add(row)
        session.flush()
        return _as_dict(row)


def _create_with_uuid(ctxt, model, values):
    """Insert a row of ``model``; a uuid is generated unless given."""
    values = dict(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    return _create(ctxt, model, values)


def _update_row(session, row, values):
    _set(row, values)
    row.updated_at = timeutils.utcnow()
    session.flush()
    return _as_dict(row)


def migration_create(ctxt, values):
    """Create a migration; a uuid is generated unless one is given."""
    return _create_with_uuid(ctxt, models.Migration, values)


def migration_update(ctxt, migration_id, values):
    with writer(ctxt) as session:
        return _update_row(session, _migration_get(session, migration_id),
                           values)


def migration_get(ctxt, migration_id):
    with reader(ctxt) as session:
        return _as_dict(_migration_get(session, migration_id))


def migration_get_by_uuid(ctxt, uuid):
    with reader(ctxt) as session:
        migration = session.scalars(sa.select(models.Migration).filter_by(
            uuid=uuid)).one_or_none()
        if migration is None:
            raise exception.MigrationNotFound(migration_id=uuid)
        return _as_dict(migration)


def _migrations(session, *criteria):
    query = sa.select(models.Migration).where(*criteria).order_by(
        models.Migration.id)
    return [_as_dict(migration) for migration in session.scalars(query)]


def migration_get_in_progress_by_host_and_node(ctxt, host, node):
    """Unfinished migrations leaving or entering the host's node."""
    table = models.Migration
    with reader(ctxt) as session:
        return _migrations(
            session,
            table.status.not_in(FINAL_MIGRATION_STATUSES),
            sa.or_(sa.and_(table.source_compute == host,
                           table.source_node == node),
                   sa.and_(table.dest_compute == host,
                           table.dest_node == node)))


def migration_get_all(ctxt):
    with reader(ctxt) as session:
        return _migrations(session)


def migration_get_all_by_instance(ctxt, instance_uuid):
    with reader(ctxt) as session:
        return _migrations(session,
                           models.Migration.instance_uuid == instance_uuid)


# -- compute nodes -----------------------------------------------------------

def compute_node_create(ctxt, values):
    """Create a compute node; a uuid is generated unless one is given."""
    return _create_with_uuid(ctxt, models.ComputeNode, values)


def compute_node_update(ctxt, compute_id, values):
    with writer(ctxt) as session:
        node = session.get(models.ComputeNode, compute_id)
        if node is None:
            raise exception.ComputeHostNotFound(host='id %s' % compute_id,
                                                node='any')
        return _update_row(session, node, values)


def compute_node_get_by_host_and_nodename(ctxt, host, nodename):
    with reader(ctxt) as session:
        node = session.scalars(sa.select(models.ComputeNode).filter_by(
            host=host, hypervisor_hostname=nodename)).one_or_none()
        if node is None:
            raise exception.ComputeHostNotFound(host=host, node=nodename)
        return _as_dict(node)


def compute_node_get_all(ctxt):
    with reader(ctxt) as session:
        query = sa.select(models.ComputeNode).order_by(models.ComputeNode.id)
        return [_as_dict(node) for node in session.scalars(query)]


# -- services ----------------------------------------------------------------

def service_get_all(ctxt, binary=None):
    with reader(ctxt) as session:
        query = sa.select(models.Service).order_by(models.Service.host)
        if binary is not None:
            query = query.filter_by(binary=binary)
        return [_as_dict(svc) for svc in session.scalars(query)]


def service_get_by_host_and_binary(ctxt, host, binary):
    with reader(ctxt) as session:
        svc = session.scalars(sa.select(models.Service).filter_by(
            host=host, binary=binary)).one_or_none()
        if svc is None:
            raise exception.ServiceNotFound(host=host, binary=binary)
        return _as_dict(svc)


def service_get_by_uuid(ctxt, uuid):
    """The service named by ``uuid`` (as the API names it), or None."""
    return _get(ctxt, models.Service, uuid=uuid)


def service_create(ctxt, values):
    """Create a service; a uuid is generated unless one is given."""
    with writer(ctxt) as session:
        row = models.Service(created_at=timeutils.utcnow(), report_count=0,
                             forced_down=False, disabled=False,
                             uuid=uuidutils.generate_uuid())
        _set(row, values)
        session.add(row)
        session.flush()
        return _as_dict(row)


def _service_get(session, service_id):
    svc = session.get(models.Service, service_id)
    if svc is None:
        raise exception.ServiceNotFound(host='id %s' % service_id,
                                        binary='any')
    return svc


def service_update(ctxt, service_id, values):
    with writer(ctxt) as session:
        return _update_row(session, _service_get(session, service_id),
                           values)


def service_update_by_uuid(ctxt, uuid, values):
    """Change the service named by ``uuid``; returns (old, new) dicts,
    read and written with the row locked, or (None, None) when there is
    no such service.
    """
    with writer(ctxt) as session:
        svc = _row_by(session, models.Service, for_update=True, uuid=uuid)
        if svc is None:
            return None, None
        old = _as_dict(svc)
        return old, _update_row(session, svc, values)


def service_heartbeat(ctxt, service_id):
    """Count one more report of the service and stamp it now."""
    with writer(ctxt) as session:
        svc = _service_get(session, service_id)
        now = timeutils.utcnow()
        return _update_row(session, svc, {
            'report_count': (svc.report_count or 0) + 1,
            'last_seen_up': now})


# -- the compute API's catalogues and tokens ---------------------------------
#
# Rows of the API service (flavors, images, the identity facade's tokens).
# A missing row is None (the API decides what that means); a duplicate
# flavorid, flavor name, image uuid or token hash raises oslo.db's
# DBDuplicateEntry when the transaction writes it.

def _get(ctxt, model, for_update=False, **filters):
    if for_update:
        with writer(ctxt) as session:
            row = _row_by(session, model, for_update=True, **filters)
            return None if row is None else _as_dict(row)
    with reader(ctxt) as session:
        row = _row_by(session, model, **filters)
        return None if row is None else _as_dict(row)


def _all(ctxt, model):
    with reader(ctxt) as session:
        return [_as_dict(row) for row in session.scalars(
            sa.select(model).order_by(model.id))]


def _update(ctxt, model, values, **filters):
    with writer(ctxt) as session:
        row = _row_by(session, model, for_update=True, **filters)
        return None if row is None else _update_row(session, row, values)


def _destroy(ctxt, model, **filters):
    with writer(ctxt) as session:
        row = _row_by(session, model, **filters)
        if row is None:
            return False
        session.delete(row)
        return True


def flavor_create(ctxt, values):
    return _create(ctxt, models.Flavor, values)


def flavor_get(ctxt, flavorid, for_update=False):
    """The flavor's row, or None; ``for_update`` locks it (call inside
    ``writer``).
    """
    return _get(ctxt, models.Flavor, for_update, flavorid=flavorid)


def flavor_get_by_name(ctxt, name):
    return _get(ctxt, models.Flavor, name=name)


def flavor_get_all(ctxt):
    """Every flavor, oldest first."""
    return _all(ctxt, models.Flavor)


def flavor_update(ctxt, flavorid, values):
    """The changed row, or None when there is no such flavor."""
    return _update(ctxt, models.Flavor, values, flavorid=flavorid)


def flavor_destroy(ctxt, flavorid):
    """Whether a flavor was deleted."""
    return _destroy(ctxt, models.Flavor, flavorid=flavorid)


def image_create(ctxt, uuid, document):
    """Store an image's JSON ``document`` under ``uuid``."""
    return _create(ctxt, models.Image, {'uuid': uuid, 'document': document})


def image_get(ctxt, uuid, for_update=False):
    return _get(ctxt, models.Image, for_update, uuid=uuid)


def image_get_all(ctxt):
    """Every image, oldest first."""
    return _all(ctxt, models.Image)


def image_update(ctxt, uuid, document):
    return _update(ctxt, models.Image, {'document': document}, uuid=uuid)


def image_destroy(ctxt, uuid):
    return _destroy(ctxt, models.Image, uuid=uuid)


def api_token_create(ctxt, values):
    return _create(ctxt, models.ApiToken, values, timestamps=False)


def api_token_get(ctxt, token_hash):
    return _get(ctxt, models.ApiToken, token_hash=token_hash)


def api_token_destroy(ctxt, token_hash):
    return _destroy(ctxt, models.ApiToken, token_hash=token_hash)


def api_token_purge(ctxt, now, keep):
    """Delete the tokens expired at ``now`` (seconds since the epoch), then
    the oldest beyond the ``keep`` newest; returns how many went.
    """
    table = models.ApiToken
    with writer(ctxt) as session:
        gone = session.execute(sa.delete(table).where(
            table.expires_at <= now)).rowcount
        # The newest beyond the ones kept (MySQL takes no LIMIT in IN).
        cutoff = session.scalar(sa.select(table.id).order_by(
            table.id.desc()).offset(keep).limit(1))
        if cutoff is not None:
            gone += session.execute(sa.delete(table).where(
                table.id <= cutoff)).rowcount
        return gone


# -- host drains (nova.conductor.tasks.drain) -----------------------------
#
# One row per host: its last drain.  The conductor running a drain writes
# its report at every change; a new drain replaces the row only by a
# compare-and-swap on what the caller read, so two conductors asked to
# drain one host at once cannot both start.

def host_drain_get(ctxt, host):
    return _get(ctxt, models.HostDrain, host=host)


def host_drain_start(ctxt, host, values, expected=None):
    """Write the row of a new drain of ``host``.

    ``expected``: None when the caller found no row (one is inserted), or
    {column: value} of the row it read (the row is replaced only if it
    still holds them).  Returns False, writing nothing, when another
    request changed the row first.
    """
    try:
        with writer(ctxt) as session:
            row = _row_by(session, models.HostDrain, for_update=True,
                          host=host)
            if expected is None:
                if row is not None:
                    return False
                row = models.HostDrain(host=host,
                                       created_at=timeutils.utcnow())
                _set(row, values)
                session.add(row)
                session.flush()
                return True
            if row is None or any(getattr(row, column) != value
                                  for column, value in expected.items()):
                return False
            _update_row(session, row, values)
            return True
    except db_exc.DBDuplicateEntry:
        # Another conductor inserted the host's first row at the same time.
        return False


def host_drain_update(ctxt, host, conductor, values):
    """Write ``values`` to the drain of ``host`` if ``conductor`` still
    runs it (another conductor may have taken the host over); returns
    whether it did.
    """
    with writer(ctxt) as session:
        row = _row_by(session, models.HostDrain, for_update=True, host=host)
        if row is None or row.conductor != conductor:
            return False
        _update_row(session, row, values)
        return True


def host_drain_get_all_by_conductor(ctxt, conductor, state):
    with reader(ctxt) as session:
        return [_as_dict(row) for row in session.scalars(
            sa.select(models.HostDrain).filter_by(
                conductor=conductor, state=state).order_by(
                    models.HostDrain.id))]
