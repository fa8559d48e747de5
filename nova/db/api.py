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


@contextlib.contextmanager
def _transaction(manager, ctxt):
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
    query = sa.select(models.Instance).filter_by(uuid=uuid)
    if for_update:
        query = query.with_for_update()
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


def _create_with_uuid(ctxt, model, values):
    """Insert a row of ``model``; a uuid is generated unless given."""
    values = dict(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    with writer(ctxt) as session:
        row = model(created_at=timeutils.utcnow())
        _set(row, values)
        session.add(row)
        session.flush()
        return _as_dict(row)


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
