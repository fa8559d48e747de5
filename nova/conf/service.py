"""[DEFAULT] options of the services: messaging, liveness, workers.

``transport_url``, ``rpc_response_timeout`` and the ``[oslo_messaging_*]``
groups are oslo.messaging's own options (registered here with the
``nova`` control exchange).
"""

from oslo_config import cfg
import oslo_messaging as messaging
from oslo_messaging import opts as _messaging_opts  # noqa: F401

service_opts = [
    cfg.IntOpt(
        'report_interval',
        default=10, min=1, max=3600,
        help="""
Seconds between two heartbeats of a service in the ``services`` table.

The scheduler and the conductor treat a compute host whose last heartbeat
is older than ``service_down_time`` as down: nothing is scheduled to it
and its instances may be evacuated.
"""),
    cfg.IntOpt(
        'service_down_time',
        default=60, min=1, max=86400,
        help="""
Seconds without a heartbeat after which a service is considered down.

Must be larger than ``report_interval``; when it is not, two and a half
report intervals are used instead (a warning says so).
"""),
    cfg.IntOpt(
        'long_rpc_timeout',
        default=1800, min=1, max=86400,
        help="""
Timeout in seconds of RPC calls that can take long: the destination
checks and claim of a live migration, a rebuild, the conductor's
orchestration of a move.

Such calls are kept alive by ``call_monitor_timeout`` set to
``rpc_response_timeout``: a service that died is noticed after
``rpc_response_timeout`` seconds, a slow one gets up to this long.
"""),
    cfg.FloatOpt(
        'migration_poll_interval',
        default=0.5, min=0.01, max=60.0,
        help="""
Seconds between two reads of a migration record by a caller that waits
for a live migration to end in another process (the synchronous
``nova-live-migration`` commands against deployed services).
"""),
    cfg.IntOpt(
        'migration_wait_timeout',
        default=7200, min=1, max=604800,
        help="""
Seconds a synchronous caller waits for a live migration to reach a final
status before giving up with an error (the migration itself goes on).
"""),
]

ALL_OPTS = service_opts


def register_opts(conf):
    messaging.set_transport_defaults(control_exchange='nova')
    # oslo.messaging registers its [DEFAULT] options (rpc_response_timeout,
    # executor_thread_pool_size, ...) only when a transport or client is
    # made; the services read them before that.
    for group, opts in messaging.opts.list_opts():
        if group in (None, 'DEFAULT'):
            conf.register_opts(opts)
    conf.register_opts(service_opts)


def list_opts():
    return {'DEFAULT': service_opts}
