"""Per-instance libvirt migration flags, from the one policy resolver.

The values are libvirt's virDomainMigrateFlags, so the result can be
passed to migrateToURI3 unchanged (real libvirt and the simulator agree).
"""

import enum


class MigrateFlag(enum.IntFlag):
    LIVE = 1
    PEER2PEER = 2
    TUNNELLED = 4
    PERSIST_DEST = 8
    UNDEFINE_SOURCE = 16
    PAUSED = 32
    NON_SHARED_DISK = 64
    NON_SHARED_INC = 128
    CHANGE_PROTECTION = 256
    UNSAFE = 512
    OFFLINE = 1024
    COMPRESSED = 2048
    ABORT_ON_ERROR = 4096
    AUTO_CONVERGE = 8192
    RDMA_PIN_ALL = 16384
    POSTCOPY = 32768
    TLS = 65536
    PARALLEL = 131072
    NON_SHARED_SYNCHRONOUS_WRITES = 262144
    POSTCOPY_RESUME = 524288


BASE_FLAGS = (MigrateFlag.LIVE | MigrateFlag.PEER2PEER |
              MigrateFlag.UNDEFINE_SOURCE | MigrateFlag.PERSIST_DEST)


def migration_flags(policy, block_migration=False):
    """The flags for one instance's live migration.

    :param policy: the instance's MigrationPolicy (already accounts for
        vPMEM and a paused guest, which never get POSTCOPY).
    :param block_migration: copy local disks too (NON_SHARED_INC).

    POSTCOPY and AUTO_CONVERGE are set as the policy decides, both when
    it enables both (an SLA tier that accepts throttling and post-copy:
    QEMU throttles while pre-copy runs, and the monitor may still switch
    to post-copy, which ends the throttling).
    """
    flags = BASE_FLAGS
    if block_migration:
        flags |= MigrateFlag.NON_SHARED_INC
    if policy.post_copy.enabled:
        flags |= MigrateFlag.POSTCOPY
    if policy.auto_converge.enabled:
        flags |= MigrateFlag.AUTO_CONVERGE
    return flags


def resume_flags(flags):
    """The flags of the migrate call that resumes a broken post-copy."""
    return flags | MigrateFlag.POSTCOPY | MigrateFlag.POSTCOPY_RESUME


def flag_names(flags):
    """['VIR_MIGRATE_LIVE', ...] in libvirt's bit order."""
    return ['VIR_MIGRATE_%s' % flag.name for flag in MigrateFlag
            if flag & flags]
