"""libvirt constants (with libvirt's real values) and its error type.

``nova.sim.libvirt`` re-exports every ``VIR_*`` name defined here, so the
simulator can stand in for the ``libvirt`` python module.
"""

# virDomainMigrateFlags
VIR_MIGRATE_LIVE = 1
VIR_MIGRATE_PEER2PEER = 2
VIR_MIGRATE_TUNNELLED = 4
VIR_MIGRATE_PERSIST_DEST = 8
VIR_MIGRATE_UNDEFINE_SOURCE = 16
VIR_MIGRATE_PAUSED = 32
VIR_MIGRATE_NON_SHARED_DISK = 64
VIR_MIGRATE_NON_SHARED_INC = 128
VIR_MIGRATE_CHANGE_PROTECTION = 256
VIR_MIGRATE_UNSAFE = 512
VIR_MIGRATE_OFFLINE = 1024
VIR_MIGRATE_COMPRESSED = 2048
VIR_MIGRATE_ABORT_ON_ERROR = 4096
VIR_MIGRATE_AUTO_CONVERGE = 8192
VIR_MIGRATE_RDMA_PIN_ALL = 16384
VIR_MIGRATE_POSTCOPY = 32768
VIR_MIGRATE_TLS = 65536
VIR_MIGRATE_PARALLEL = 131072
VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES = 262144
VIR_MIGRATE_POSTCOPY_RESUME = 524288

# Typed migration parameters
VIR_MIGRATE_PARAM_URI = 'migrate_uri'
VIR_MIGRATE_PARAM_DEST_NAME = 'destination_name'
VIR_MIGRATE_PARAM_DEST_XML = 'destination_xml'
VIR_MIGRATE_PARAM_PERSIST_XML = 'persistent_xml'
VIR_MIGRATE_PARAM_BANDWIDTH = 'bandwidth'
VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY = 'bandwidth.postcopy'
VIR_MIGRATE_PARAM_GRAPHICS_URI = 'graphics_uri'
VIR_MIGRATE_PARAM_LISTEN_ADDRESS = 'listen_address'
VIR_MIGRATE_PARAM_MIGRATE_DISKS = 'migrate_disks'
VIR_MIGRATE_PARAM_DISKS_PORT = 'disks_port'
VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL = 'auto_converge.initial'
VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT = 'auto_converge.increment'
VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS = 'parallel.connections'

VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY = 1

# virDomainXMLFlags
VIR_DOMAIN_XML_SECURE = 1
VIR_DOMAIN_XML_INACTIVE = 2
VIR_DOMAIN_XML_UPDATE_CPU = 4
VIR_DOMAIN_XML_MIGRATABLE = 8

# virDomainJobType
VIR_DOMAIN_JOB_NONE = 0
VIR_DOMAIN_JOB_BOUNDED = 1
VIR_DOMAIN_JOB_UNBOUNDED = 2
VIR_DOMAIN_JOB_COMPLETED = 3
VIR_DOMAIN_JOB_FAILED = 4
VIR_DOMAIN_JOB_CANCELLED = 5

# virDomainGetJobStatsFlags
VIR_DOMAIN_JOB_STATS_COMPLETED = 1
VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED = 2

# virDomainState
VIR_DOMAIN_NOSTATE = 0
VIR_DOMAIN_RUNNING = 1
VIR_DOMAIN_BLOCKED = 2
VIR_DOMAIN_PAUSED = 3
VIR_DOMAIN_SHUTDOWN = 4
VIR_DOMAIN_SHUTOFF = 5
VIR_DOMAIN_CRASHED = 6
VIR_DOMAIN_PMSUSPENDED = 7

# virDomainRunningReason
VIR_DOMAIN_RUNNING_UNKNOWN = 0
VIR_DOMAIN_RUNNING_BOOTED = 1
VIR_DOMAIN_RUNNING_MIGRATED = 2
VIR_DOMAIN_RUNNING_UNPAUSED = 5
VIR_DOMAIN_RUNNING_MIGRATION_CANCELED = 6
VIR_DOMAIN_RUNNING_POSTCOPY = 10
VIR_DOMAIN_RUNNING_POSTCOPY_FAILED = 11

# virDomainPausedReason
VIR_DOMAIN_PAUSED_UNKNOWN = 0
VIR_DOMAIN_PAUSED_USER = 1
VIR_DOMAIN_PAUSED_MIGRATION = 2
VIR_DOMAIN_PAUSED_POSTCOPY = 12
VIR_DOMAIN_PAUSED_POSTCOPY_FAILED = 13

# virDomainShutoffReason
VIR_DOMAIN_SHUTOFF_UNKNOWN = 0
VIR_DOMAIN_SHUTOFF_SHUTDOWN = 1
VIR_DOMAIN_SHUTOFF_DESTROYED = 2
VIR_DOMAIN_SHUTOFF_CRASHED = 3
VIR_DOMAIN_SHUTOFF_MIGRATED = 4

# virConnectListAllDomainsFlags
VIR_CONNECT_LIST_DOMAINS_ACTIVE = 1
VIR_CONNECT_LIST_DOMAINS_INACTIVE = 2
VIR_CONNECT_LIST_DOMAINS_PERSISTENT = 4
VIR_CONNECT_LIST_DOMAINS_TRANSIENT = 8
VIR_CONNECT_LIST_DOMAINS_RUNNING = 16
VIR_CONNECT_LIST_DOMAINS_PAUSED = 32
VIR_CONNECT_LIST_DOMAINS_SHUTOFF = 64

# virErrorNumber
VIR_ERR_OK = 0
VIR_ERR_INTERNAL_ERROR = 1
VIR_ERR_NO_SUPPORT = 3
VIR_ERR_INVALID_CONN = 6
VIR_ERR_INVALID_ARG = 8
VIR_ERR_OPERATION_FAILED = 9
VIR_ERR_XML_ERROR = 27
VIR_ERR_OPERATION_DENIED = 29
VIR_ERR_SYSTEM_ERROR = 38
VIR_ERR_NO_DOMAIN = 42
VIR_ERR_OPERATION_INVALID = 55
VIR_ERR_ARGUMENT_UNSUPPORTED = 74
VIR_ERR_OPERATION_ABORTED = 78
VIR_ERR_OVERFLOW = 82

# virErrorDomain
VIR_FROM_NONE = 0
VIR_FROM_RPC = 7
VIR_FROM_QEMU = 10
VIR_FROM_DOMAIN = 20

# virErrorLevel
VIR_ERR_NONE = 0
VIR_ERR_WARNING = 1
VIR_ERR_ERROR = 2

# Messages are prefixed the way libvirt prefixes them per error code.
_PREFIXES = {
    VIR_ERR_INTERNAL_ERROR: 'internal error: ',
    VIR_ERR_OPERATION_FAILED: 'operation failed: ',
    VIR_ERR_NO_DOMAIN: 'Domain not found: ',
    VIR_ERR_OPERATION_INVALID: 'Requested operation is not valid: ',
    VIR_ERR_ARGUMENT_UNSUPPORTED: 'argument unsupported: ',
    VIR_ERR_OPERATION_ABORTED: 'operation aborted: ',
    VIR_ERR_XML_ERROR: 'XML error: ',
    VIR_ERR_INVALID_ARG: 'invalid argument: ',
    VIR_ERR_OPERATION_DENIED: 'operation forbidden: ',
    VIR_ERR_INVALID_CONN: 'invalid connection pointer in ',
}


class libvirtError(Exception):
    """The exception every simulated libvirt call raises.

    Built like the binding's: the message comes first; the error details
    are kept in ``err`` (code, domain, message, level, str1, str2, str3,
    int1, int2) and read back with the ``get_error_*`` methods.
    """

    def __init__(self, defmsg, error_code=VIR_ERR_INTERNAL_ERROR,
                 error_domain=VIR_FROM_QEMU, level=VIR_ERR_ERROR):
        Exception.__init__(self, defmsg)
        self.err = (error_code, error_domain, defmsg, level,
                    None, None, None, 0, 0)

    def get_error_code(self):
        return self.err[0]

    def get_error_domain(self):
        return self.err[1]

    def get_error_message(self):
        return self.err[2]

    def get_error_level(self):
        return self.err[3]

    def get_str1(self):
        return self.err[4]

    def get_str2(self):
        return self.err[5]

    def get_str3(self):
        return self.err[6]

    def get_int1(self):
        return self.err[7]

    def get_int2(self):
        return self.err[8]

    def __str__(self):
        return self.err[2] or ''


def make_error(code, message, domain=VIR_FROM_QEMU):
    """A libvirtError for ``code`` with libvirt's message prefix."""
    return libvirtError(_PREFIXES.get(code, '') + message,
                        error_code=code, error_domain=domain)
