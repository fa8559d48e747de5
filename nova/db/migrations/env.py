"""Alembic environment of the nova database.

``nova.db.migration`` builds the alembic configuration in code.  When it
already holds a connection it hands it over in
``config.attributes['connection']``; otherwise (alembic's own commands,
for instance ``alembic.command.revision`` with autogenerate) a connection
is made to ``sqlalchemy.url``.  Offline (``--sql``) mode is not supported.
"""

from alembic import context
import sqlalchemy as sa

from nova.db import models

config = context.config


def _run(connection):
    context.configure(connection=connection,
                      target_metadata=models.Base.metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(config.get_main_option('sqlalchemy.url'),
                              poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError('Offline (--sql) migrations are not supported.')
run_migrations_online()
