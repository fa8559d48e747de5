"""Add services: one row per running service and its last heartbeat.

The scheduler and the conductor read it to tell a live compute host
from a dead one (``report_interval``, ``service_down_time``).

Revision ID: d81e0b6f5a27
Revises: c4e5d7a1b2f9
Create Date: 2026-11-29 19:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'd81e0b6f5a27'
down_revision = 'c4e5d7a1b2f9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'services',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('binary', sa.String(255), nullable=False),
        sa.Column('topic', sa.String(255), nullable=True),
        sa.Column('report_count', sa.Integer(), nullable=False),
        sa.Column('last_seen_up', sa.DateTime(), nullable=True),
        sa.Column('forced_down', sa.Boolean(), nullable=False),
        sa.UniqueConstraint('host', 'binary',
                            name='uniq_services0host0binary'))
