"""The compute API of a multi-process deployment, for a WSGI server.

``nova-api --config-file /etc/nova/nova.conf`` runs it under gunicorn
(``nova.cmd.api``).  Any WSGI server that can call an application
factory runs it too, for example::

    OS_NOVA_CONFIG_FILES=/etc/nova/nova.conf \\
        gunicorn -k gthread --threads 8 -w 2 -b 0.0.0.0:8774 \\
        'nova.api.openstack.wsgi_app:init_application()'

The application talks to the conductor and the compute services over
oslo.messaging (``[DEFAULT] transport_url``), to the database
(``[database] connection``: PostgreSQL or MySQL, never a SQLite file)
and to Placement over HTTP (``[placement]``); it never runs a compute
service's code.  Everything it must share with other API workers -- the
flavors, the images, the services' settings, the identity facade's tokens
-- lives in the database, so a worker may be added, killed or restarted
at any time.
"""

import os
import sys

from oslo_config import cfg

BINARY = 'nova-api'
#: Configuration files of init_application() without arguments, separated
#: by ';'.
CONFIG_ENV = 'OS_NOVA_CONFIG_FILES'
#: gunicorn's exit status of a worker whose application cannot load: the
#: master then stops instead of starting workers again and again.
APP_LOAD_ERROR = 4


def config_argv(argv=None):
    """The command-line arguments to parse: ``argv`` when given, else
    ``--config-file`` for each file named in $OS_NOVA_CONFIG_FILES.
    """
    if argv is not None:
        return list(argv)
    files = [f.strip() for f in os.environ.get(CONFIG_ENV, '').split(';')
             if f.strip()]
    return [arg for path in files for arg in ('--config-file', path)]


#: Groups whose every option is read at start (with [DEFAULT]).
CHECKED_GROUPS = ('api', 'database', 'placement')


def _read_options(conf):
    """Read every option of [DEFAULT] and CHECKED_GROUPS: oslo.config
    checks a value from a file only when it is read, and a bad one must
    stop the service at start, not fail a request later.
    """
    for name in conf:
        value = conf[name]
        if name in CHECKED_GROUPS:
            for opt in value:
                value[opt]


def check(conf):
    """Refuse a configuration the API of a multi-process deployment cannot
    run with; raises a typed error naming the option and the rule.
    """
    from nova import exception
    from nova.scheduler.client import placement
    from nova import service

    _read_options(conf)
    service.check_transport(BINARY)
    service.check_database(BINARY, conf.database.connection)
    if placement.is_embedded(conf):
        raise exception.InvalidInput(
            reason='%s needs [placement] endpoint_override (or auth_type '
                   'and the Keystone options): in a multi-process '
                   'deployment Placement is a service of its own, shared '
                   'with the conductor and the compute services' % BINARY)
    if (conf.api.auth_strategy == 'facade' and not conf.api.admin_password
            and not conf.api.member_password):
        raise exception.InvalidInput(
            reason='[api] auth_strategy = facade needs [api] '
                   'admin_password (or member_password): otherwise nobody '
                   'can log in')


def configure(argv):
    """Parse the configuration (``argv``: --config-file ...) and check
    it; raises a typed error (or oslo.config's) naming what is wrong.
    """
    from nova.cmd import common

    common.init_backend()
    common.parse_args(argv, BINARY)
    check(common.conf())


def build(conf=None):
    """The WSGI application on the configured deployment (the
    configuration parsed already).
    """
    import nova.conf
    from nova.api.openstack import app as api_app
    from nova.api.openstack import backend as api_backend
    from nova.api.openstack.identity import tokens
    from nova import deployment
    from nova.scheduler.client import placement

    conf = conf or nova.conf.CONF
    # The client lives as long as the worker does.
    client = placement.report_client(conf).__enter__()
    remote = deployment.RemoteDeployment(client, conf)
    return api_app.build(api_backend.Backend(remote), conf,
                         token_store=tokens.DBTokenStore)


def init_application(argv=None):
    """The application factory: configure, check, build.

    A bad configuration prints one line naming it on stderr and exits
    with APP_LOAD_ERROR (gunicorn's master then stops).
    """
    from nova import exception

    try:
        configure(config_argv(argv))
    except (exception.NovaException, cfg.Error, ValueError) as exc:
        print('%s: %s' % (BINARY, exc), file=sys.stderr)
        sys.exit(APP_LOAD_ERROR)
    return build()
