"""The tables, as SQLAlchemy 2 declarative models.

The schema a database really has comes from the alembic revisions in
``nova/db/migrations/versions``; a test checks that the head revision and
these models agree, so a change here needs a new revision too.

Constraints and indexes are named explicitly so that a later revision can
refer to them on every backend (SQLite rebuilds tables to alter them).
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm


class Base(orm.DeclarativeBase):
    """Declarative base of every model; ``Base.metadata`` is the schema."""


class _Timestamps:
    created_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime)
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime)


def _string(length=255):
    return orm.mapped_column(sa.String(length), nullable=True)


def _text():
    return orm.mapped_column(sa.Text, nullable=True)


class Instance(_Timestamps, Base):
    """A server; ``system_metadata`` is a JSON object stored as text."""

    __tablename__ = 'instances'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
        sa.Index('instances_host_node_idx', 'host', 'node'),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False)
    display_name: orm.Mapped[str | None] = _string()
    project_id: orm.Mapped[str | None] = _string()
    user_id: orm.Mapped[str | None] = _string()
    host: orm.Mapped[str | None] = _string()
    node: orm.Mapped[str | None] = _string()
    vm_state: orm.Mapped[str | None] = _string()
    task_state: orm.Mapped[str | None] = _string()
    image_ref: orm.Mapped[str | None] = _string()
    system_metadata: orm.Mapped[str | None] = _text()

    extra: orm.Mapped['InstanceExtra | None'] = orm.relationship(
        back_populates='instance', uselist=False, lazy='joined')


class InstanceExtra(Base):
    """Serialized objects of an instance, one row per instance.

    Each column holds the JSON text the object layer produced, or NULL.
    """

    __tablename__ = 'instance_extra'
    __table_args__ = (
        sa.UniqueConstraint('instance_uuid',
                            name='uniq_instance_extra0instance_uuid'),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid: orm.Mapped[str] = orm.mapped_column(
        sa.String(36),
        sa.ForeignKey('instances.uuid',
                      name='instance_extra_instance_uuid_fkey'),
        nullable=False)
    flavor: orm.Mapped[str | None] = _text()
    numa_topology: orm.Mapped[str | None] = _text()
    resources: orm.Mapped[str | None] = _text()
    migration_context: orm.Mapped[str | None] = _text()

    instance: orm.Mapped[Instance] = orm.relationship(back_populates='extra')


# The instance_extra columns the API exposes under an instance's 'extra'.
EXTRA_COLUMNS = ('flavor', 'numa_topology', 'resources', 'migration_context')


def _bigint():
    return orm.mapped_column(sa.BigInteger, nullable=True)


class Migration(_Timestamps, Base):
    """A move of an instance between two hosts, with its progress."""

    __tablename__ = 'migrations'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_migrations0uuid'),
        sa.Index('migrations_by_source_host_node_and_status_idx',
                 'source_compute', 'source_node', 'status'),
        sa.Index('migrations_by_dest_host_node_and_status_idx',
                 'dest_compute', 'dest_node', 'status'),
        sa.Index('migrations_instance_uuid_idx', 'instance_uuid'),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False)
    instance_uuid: orm.Mapped[str | None] = _string(36)
    migration_type: orm.Mapped[str | None] = _string()
    status: orm.Mapped[str | None] = _string()
    source_compute: orm.Mapped[str | None] = _string()
    source_node: orm.Mapped[str | None] = _string()
    dest_compute: orm.Mapped[str | None] = _string()
    dest_node: orm.Mapped[str | None] = _string()
    memory_total: orm.Mapped[int | None] = _bigint()
    memory_processed: orm.Mapped[int | None] = _bigint()
    memory_remaining: orm.Mapped[int | None] = _bigint()
    disk_total: orm.Mapped[int | None] = _bigint()
    disk_processed: orm.Mapped[int | None] = _bigint()
    disk_remaining: orm.Mapped[int | None] = _bigint()
    purpose: orm.Mapped[str | None] = _string()


class ComputeNode(_Timestamps, Base):
    """A hypervisor of a compute host, with its capacity."""

    __tablename__ = 'compute_nodes'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_compute_nodes0uuid'),
        sa.UniqueConstraint(
            'host', 'hypervisor_hostname',
            name='uniq_compute_nodes0host0hypervisor_hostname'),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    hypervisor_hostname: orm.Mapped[str] = orm.mapped_column(
        sa.String(255), nullable=False)
    vcpus: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    memory_mb: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    local_gb: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    cpu_allocation_ratio: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float)
    ram_allocation_ratio: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float)
    disk_allocation_ratio: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float)
    reserved_host_memory_mb: orm.Mapped[int | None] = orm.mapped_column(
        sa.Integer)


class Service(_Timestamps, Base):
    """A running service (nova-conductor, nova-compute of a host, ...)
    and its last heartbeat, as the servicegroup ``db`` driver keeps it.
    """

    __tablename__ = 'services'
    __table_args__ = (
        sa.UniqueConstraint('host', 'binary',
                            name='uniq_services0host0binary'),
        sa.UniqueConstraint('uuid', name='uniq_services0uuid'),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    binary: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                                nullable=False)
    topic: orm.Mapped[str | None] = _string()
    report_count: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, nullable=False, default=0)
    last_seen_up: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime)
    forced_down: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False, default=False)
    #: What the API names the service by (microversion 2.53 and later).
    uuid: orm.Mapped[str | None] = _string(36)
    #: An operator disabled it: the scheduler sends it nothing new.
    disabled: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False, default=False)
    disabled_reason: orm.Mapped[str | None] = _string()


class Flavor(_Timestamps, Base):
    """A flavor the compute API offers; ``extra_specs`` is a JSON object
    stored as text.  A server keeps its own copy of its flavor (in
    ``instance_extra``), so a change here never reaches a running server.
    """

    __tablename__ = 'flavors'
    __table_args__ = (
        sa.UniqueConstraint('flavorid', name='uniq_flavors0flavorid'),
        sa.UniqueConstraint('name', name='uniq_flavors0name'),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    flavorid: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                                  nullable=False)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                              nullable=False)
    vcpus: orm.Mapped[int] = orm.mapped_column(sa.Integer, nullable=False)
    memory_mb: orm.Mapped[int] = orm.mapped_column(sa.Integer,
                                                   nullable=False)
    root_gb: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    ephemeral_gb: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    swap: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    is_public: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False, default=True)
    description: orm.Mapped[str | None] = _text()
    extra_specs: orm.Mapped[str | None] = _text()


class Image(_Timestamps, Base):
    """An image of the image API subset: its Glance-shaped document
    (core fields and properties) as JSON text.
    """

    __tablename__ = 'images'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_images0uuid'),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False)
    document: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)


class ApiToken(Base):
    """A token the identity facade issued, by the SHA-256 of its id (the
    database never holds a usable token), so that every API worker and a
    restarted API accept it.
    """

    __tablename__ = 'api_tokens'
    __table_args__ = (
        sa.UniqueConstraint('token_hash', name='uniq_api_tokens0token_hash'),
        sa.Index('api_tokens_expires_at_idx', 'expires_at'),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    token_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                    nullable=False)
    user_name: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                                   nullable=False)
    #: Seconds since the epoch, in double precision (a single-precision
    #: FLOAT, as on MySQL, holds them only to within minutes).
    issued_at: orm.Mapped[float] = orm.mapped_column(sa.Double,
                                                     nullable=False)
    expires_at: orm.Mapped[float] = orm.mapped_column(sa.Double,
                                                      nullable=False)


class HostDrain(_Timestamps, Base):
    """The last drain of a host (nova.conductor.tasks.drain): which
    conductor runs it, its state, and its report (a HostDrain object's
    primitive, as JSON), so that every conductor -- and one restarted --
    answers for it.
    """

    __tablename__ = 'host_drains'
    __table_args__ = (
        sa.UniqueConstraint('host', name='uniq_host_drains0host'),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    #: The host name of the nova-conductor running it.
    conductor: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                                   nullable=False)
    state: orm.Mapped[str] = orm.mapped_column(sa.String(16),
                                               nullable=False)
    report: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
