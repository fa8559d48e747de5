from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

#: Seconds a request to Placement may take before it fails.
DEFAULT_TIMEOUT = 30

placement_group = cfg.OptGroup(
    'placement',
    title='Placement service options',
    help="""
How this service reaches the Placement API.

By default the real Placement application runs embedded in the process on
its own SQLite database.  Set ``endpoint_override`` (and, with Keystone,
``auth_type`` and its credentials) to use a Placement service over HTTP
instead.
""")

placement_opts = [
    cfg.StrOpt(
        'embedded_connection',
        default='sqlite://',
        help="""
SQLAlchemy URL of the database used by the embedded Placement service.

Only used when no Placement endpoint is configured.  The default,
``sqlite://``, keeps Placement's data in memory for the life of the
process; give a file URL such as ``sqlite:///$state_path/placement.sqlite``
to keep it.
"""),
    cfg.IntOpt(
        'conflict_retries',
        default=4,
        min=0,
        max=50,
        help="""
How many times a Placement write that lost a generation race (HTTP 409
``placement.concurrent_update``) is retried after re-reading the current
state.  When the retries run out the operation fails with an error naming
the consumer or provider.
"""),
    cfg.StrOpt(
        'noauth_token',
        default='admin',
        secret=True,
        help="""
Token sent as ``X-Auth-Token`` when ``endpoint_override`` is set without an
``auth_type``: a Placement deployed with ``[api] auth_strategy = noauth2``
treats the token ``admin`` as an administrator.
"""),
]


def session_opts():
    """keystoneauth's session options, with a bounded ``timeout``.

    keystoneauth leaves ``timeout`` unset (wait for ever); a Placement that
    accepts a connection and never answers would then hang every command.
    The same limit applies without Keystone (``endpoint_override`` alone).
    """
    opts = []
    for opt in ks_loading.get_session_conf_options():
        if opt.dest == 'timeout':
            opt = cfg.FloatOpt(
                'timeout', default=DEFAULT_TIMEOUT, min=0.1, max=3600,
                help="""
Seconds to wait for Placement to answer one request, with Keystone and with
``endpoint_override`` alone. A Placement that does not answer in time, that
refuses the connection or that answers with a server error (HTTP 5xx) makes
the operation fail with one error saying so.
""")
        opts.append(opt)
    return opts


def register_opts(conf):
    conf.register_group(placement_group)
    conf.register_opts(placement_opts, group=placement_group)
    conf.register_opts(session_opts(), group=placement_group)
    ks_loading.register_auth_conf_options(conf, placement_group.name)
    ks_loading.register_adapter_conf_options(
        conf, placement_group.name, include_deprecated=False)


def list_opts():
    return {
        placement_group: (
            placement_opts
            + session_opts()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_adapter_conf_options(include_deprecated=False)
        )
    }
