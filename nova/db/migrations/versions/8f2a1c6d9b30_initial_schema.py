"""Initial schema: instances, instance_extra, migrations, compute_nodes.

Revision ID: 8f2a1c6d9b30
Revises:
Create Date: 2025-11-21 03:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '8f2a1c6d9b30'
down_revision = None
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=True),
            sa.Column('updated_at', sa.DateTime(), nullable=True)]


def _strings(*names, length=255):
    return [sa.Column(name, sa.String(length), nullable=True)
            for name in names]


def _create_instances():
    op.create_table(
        'instances',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        *_strings('display_name', 'project_id', 'user_id', 'host', 'node',
                  'vm_state', 'task_state', 'image_ref'),
        sa.Column('system_metadata', sa.Text(), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
    )
    op.create_index('instances_host_node_idx', 'instances', ['host', 'node'])


def _create_instance_extra():
    op.create_table(
        'instance_extra',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('flavor', sa.Text(), nullable=True),
        sa.Column('numa_topology', sa.Text(), nullable=True),
        sa.Column('resources', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['instance_uuid'], ['instances.uuid'],
                                name='instance_extra_instance_uuid_fkey'),
        sa.UniqueConstraint('instance_uuid',
                            name='uniq_instance_extra0instance_uuid'),
    )


def _create_migrations():
    op.create_table(
        'migrations',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        *_strings('instance_uuid', length=36),
        *_strings('migration_type', 'status', 'source_compute', 'source_node',
                  'dest_compute', 'dest_node'),
        *[sa.Column(name, sa.BigInteger(), nullable=True)
          for name in ('memory_total', 'memory_processed',
                       'memory_remaining', 'disk_total', 'disk_processed',
                       'disk_remaining')],
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_migrations0uuid'),
    )
    op.create_index('migrations_by_source_host_node_and_status_idx',
                    'migrations', ['source_compute', 'source_node', 'status'])
    op.create_index('migrations_by_dest_host_node_and_status_idx',
                    'migrations', ['dest_compute', 'dest_node', 'status'])
    op.create_index('migrations_instance_uuid_idx', 'migrations',
                    ['instance_uuid'])


def _create_compute_nodes():
    op.create_table(
        'compute_nodes',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('hypervisor_hostname', sa.String(255), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=True)
          for name in ('vcpus', 'memory_mb', 'local_gb')],
        *[sa.Column(name, sa.Float(), nullable=True)
          for name in ('cpu_allocation_ratio', 'ram_allocation_ratio',
                       'disk_allocation_ratio')],
        sa.Column('reserved_host_memory_mb', sa.Integer(), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('uuid', name='uniq_compute_nodes0uuid'),
        sa.UniqueConstraint(
            'host', 'hypervisor_hostname',
            name='uniq_compute_nodes0host0hypervisor_hostname'),
    )


def upgrade():
    _create_instances()
    _create_instance_extra()
    _create_migrations()
    _create_compute_nodes()
