"""api_tokens.issued_at/expires_at in double precision.

They hold seconds since the epoch.  ``FLOAT`` is single precision on
MySQL/MariaDB (about seven significant digits: today's time to within
minutes, and MariaDB returns even fewer), so a token could look expired
the moment it was issued and every request with it was refused with 401.
PostgreSQL's ``FLOAT`` and SQLite's ``REAL`` already were double
precision; the column type is changed everywhere so that every database
has the same schema.

Revision ID: b6e1d4a8f273
Revises: f5b2c8e0a6d3
Create Date: 2026-11-29 23:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'b6e1d4a8f273'
down_revision = 'f5b2c8e0a6d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens') as batch_op:
        for name in ('issued_at', 'expires_at'):
            batch_op.alter_column(name, existing_type=sa.Float(),
                                  type_=sa.Double(), existing_nullable=False)
