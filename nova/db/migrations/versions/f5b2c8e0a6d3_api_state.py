"""Add the compute API's state: service settings, flavors, images, tokens.

The API of a multi-process deployment may run as several workers and be
restarted at any time, so what it used to keep in its own memory lives
here: the operator's settings of a service (``services.uuid``,
``disabled``, ``disabled_reason``; ``forced_down`` was there already),
the ``flavors`` and ``images`` the API offers, and the tokens its identity
facade issued (``api_tokens``, by hash).  Existing services get a uuid and
stay enabled.

Revision ID: f5b2c8e0a6d3
Revises: e3a9c5b71d04
Create Date: 2026-12-02 10:00:00
"""

from alembic import op
from oslo_utils import uuidutils
import sqlalchemy as sa

revision = 'f5b2c8e0a6d3'
down_revision = 'e3a9c5b71d04'
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=True),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def upgrade():
    with op.batch_alter_table('services') as batch_op:
        batch_op.add_column(sa.Column('uuid', sa.String(36), nullable=True))
        batch_op.add_column(sa.Column('disabled', sa.Boolean(),
                                      nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('disabled_reason', sa.String(255),
                                      nullable=True))
    services = sa.table('services', sa.column('id', sa.Integer),
                        sa.column('uuid', sa.String))
    connection = op.get_bind()
    for (service_id,) in connection.execute(
            sa.select(services.c.id).where(services.c.uuid.is_(None))):
        connection.execute(services.update().where(
            services.c.id == service_id).values(
                uuid=uuidutils.generate_uuid()))
    with op.batch_alter_table('services') as batch_op:
        batch_op.alter_column('disabled', server_default=None)
        batch_op.create_unique_constraint('uniq_services0uuid', ['uuid'])

    op.create_table(
        'flavors',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        *_timestamps(),
        sa.Column('flavorid', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('vcpus', sa.Integer(), nullable=False),
        sa.Column('memory_mb', sa.Integer(), nullable=False),
        sa.Column('root_gb', sa.Integer(), nullable=True),
        sa.Column('ephemeral_gb', sa.Integer(), nullable=True),
        sa.Column('swap', sa.Integer(), nullable=True),
        sa.Column('is_public', sa.Boolean(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('extra_specs', sa.Text(), nullable=True),
        sa.UniqueConstraint('flavorid', name='uniq_flavors0flavorid'),
        sa.UniqueConstraint('name', name='uniq_flavors0name'))

    op.create_table(
        'images',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        *_timestamps(),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.UniqueConstraint('uuid', name='uniq_images0uuid'))

    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('token_hash', sa.String(64), nullable=False),
        sa.Column('user_name', sa.String(255), nullable=False),
        sa.Column('issued_at', sa.Float(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.UniqueConstraint('token_hash', name='uniq_api_tokens0token_hash'))
    op.create_index('api_tokens_expires_at_idx', 'api_tokens',
                    ['expires_at'])
