"""Add host_drains: the last drain of each host, shared by conductors.

A drain's progress was kept in the memory of the conductor running it: a
restarted conductor, or another one answering the status request, knew
nothing of it.

Revision ID: c8d2f5a9e4b1
Revises: b6e1d4a8f273
Create Date: 2026-11-29 23:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'c8d2f5a9e4b1'
down_revision = 'b6e1d4a8f273'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'host_drains',
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('conductor', sa.String(255), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('report', sa.Text(), nullable=False),
        sa.UniqueConstraint('host', name='uniq_host_drains0host'),
    )
