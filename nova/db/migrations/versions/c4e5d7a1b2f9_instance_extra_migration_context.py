"""Add instance_extra.migration_context.

Holds the instance's MigrationContext (JSON text) while a move is under
way: what the move claimed on the destination and what it held on the
source.

Revision ID: c4e5d7a1b2f9
Revises: 8f2a1c6d9b30
Create Date: 2025-11-21 03:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'c4e5d7a1b2f9'
down_revision = '8f2a1c6d9b30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('instance_extra') as batch_op:
        batch_op.add_column(
            sa.Column('migration_context', sa.Text(), nullable=True))
