"""Bring a database to a revision of the schema, or read its revision.

The alembic environment lives in the package (``nova/db/migrations``) and
is configured here in code, so no ``alembic.ini`` is needed and the
working directory does not matter.  Only upgrades are supported.

A developer adding a revision can let alembic write it from the models::

    from alembic import command
    from nova.db import migration
    command.revision(migration.alembic_config('sqlite:///at-head.db'),
                     message='what it does', autogenerate=True)
"""

import os
import re

from alembic import command
from alembic import config as alembic_config_mod
from alembic.runtime import migration as alembic_runtime
from alembic import script as alembic_script
from alembic import util as alembic_util
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import engines
import sqlalchemy as sa

import nova.conf
from nova import exception
from nova import utils

CONF = nova.conf.CONF
MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'migrations')


def safe_url(url):
    """The URL as text with its password masked, fit to print."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return str(url)


def alembic_config(url=None, connection=None):
    """An alembic Config for the package's migrations.

    ``url`` is stored as ``sqlalchemy.url`` with ``%`` doubled: alembic
    keeps its options in a ConfigParser, which would otherwise read
    URL-escapes such as ``%40`` as interpolation.  An open ``connection``,
    when given, is what the migrations run on.
    """
    config = alembic_config_mod.Config()
    config.set_main_option('script_location', MIGRATIONS_DIR)
    if url is not None:
        config.set_main_option('sqlalchemy.url', str(url).replace('%', '%%'))
    if connection is not None:
        config.attributes['connection'] = connection
    return config


def head_revision():
    """The id of the newest revision in the package."""
    return alembic_script.ScriptDirectory.from_config(
        alembic_config()).get_current_head()


def check_version(version):
    """``version`` if it names a revision of the package; InvalidInput
    otherwise (before any database is touched).

    ``head`` and a revision id, or a unique prefix of one, name a
    revision; anything else (an empty string, ``base``, a relative step)
    does not.
    """
    if version == 'head':
        return version
    rule = ("VERSION is 'head' or a revision id (or a unique prefix of one)"
            "; got %s" % utils.short_repr(version))
    if not isinstance(version, str) or not re.fullmatch(r'[0-9a-f]{1,40}',
                                                        version):
        raise exception.InvalidInput(reason=rule)
    try:
        alembic_script.ScriptDirectory.from_config(
            alembic_config()).get_revision(version)
    except alembic_util.CommandError as exc:
        raise exception.InvalidInput(reason='%s: %s' % (rule, exc))
    return version


def upgrade(connection, version='head'):
    """Upgrade the database behind an open connection to ``version``."""
    command.upgrade(alembic_config(connection=connection), version)


def current_revision(connection):
    """The revision the database behind ``connection`` is at, or None."""
    return alembic_runtime.MigrationContext.configure(
        connection).get_current_revision()


def _engine(url):
    # No retries: a command should report an unreachable database at once.
    return engines.create_engine(url, max_retries=0)


_ERRORS = (alembic_util.CommandError, db_exc.DBError, sa.exc.SQLAlchemyError,
           ImportError)


def _reason(exc):
    if isinstance(exc, db_exc.DBError) and exc.inner_exception is not None:
        exc = exc.inner_exception
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        exc = exc.orig
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def db_sync(url=None, version='head'):
    """Upgrade the database at ``url`` (default [database] connection).

    Returns the revision the database is at afterwards; raises
    DBSyncFailed when the URL, the database or the version is unusable.
    """
    url = url or CONF.database.connection
    try:
        engine = _engine(url)
        try:
            with engine.begin() as connection:
                upgrade(connection, version)
            with engine.connect() as connection:
                return current_revision(connection)
        finally:
            engine.dispose()
    except _ERRORS as exc:
        raise exception.DBSyncFailed(url=safe_url(url), version=version,
                                     reason=_reason(exc))


def db_version(url=None):
    """The revision of the database at ``url``, None if never synced.

    An unusable URL or database raises DBSyncFailed (one exception type
    for both commands) with a message saying the revision was being read.
    """
    url = url or CONF.database.connection
    try:
        engine = _engine(url)
        try:
            with engine.connect() as connection:
                return current_revision(connection)
        finally:
            engine.dispose()
    except _ERRORS as exc:
        reason = _reason(exc)
        raise exception.DBSyncFailed(
            'Could not read the revision of the database at %s: %s' % (
                safe_url(url), reason),
            url=safe_url(url), version=None, reason=reason)
