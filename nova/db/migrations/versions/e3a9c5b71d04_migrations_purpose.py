"""Add migrations.purpose: why the move was asked for.

A live migration's purpose (``evacuate-host``, ``maintenance``,
``rebalance``) tells the monitor how hard to push to finish it; NULL on
rows written before this revision (read as the default purpose).

Revision ID: e3a9c5b71d04
Revises: d81e0b6f5a27
Create Date: 2026-11-29 21:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'e3a9c5b71d04'
down_revision = 'd81e0b6f5a27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('migrations') as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(255),
                                      nullable=True))
