from oslo_config import cfg

compute_opts = [
    cfg.IntOpt(
        'max_concurrent_live_migrations',
        default=1,
        min=0,
        max=1000,
        help="""
Maximum number of live migrations this host runs at once as their source.

A live migration asked for while as many are running from this host waits
for one of them to end before it starts (pre-checks on the destination
included).  Migrations sharing a link share its bandwidth: several at once
each go slower, and a guest that converges alone may not converge with
half the link.  ``0`` means no limit.
"""),
]

ALL_OPTS = compute_opts


def register_opts(conf):
    conf.register_opts(compute_opts)


def list_opts():
    return {'DEFAULT': compute_opts}
