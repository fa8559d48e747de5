"""What every service's console script does first.

Nothing here imports oslo.messaging (or nova.conf, which does) at module
level: oslo.messaging imports oslo.service, and oslo.service's backend
must be chosen before that (init_backend).
"""

import sys


def init_backend():
    """Choose oslo.service's threading backend.

    Must run before ``oslo_service.service`` (or ``nova.service``) is
    imported: those modules pick their classes when imported.
    """
    from oslo_service import backend
    backend.init_backend(backend.BackendType.THREADING)


def parse_args(argv, binary, extra_opts=()):
    """Parse ``--config-file`` and the service's own options; set up
    logging (to stderr) and the objects.
    """
    from oslo_log import log as logging

    import nova.conf
    from nova import objects

    CONF = nova.conf.CONF
    CONF.register_cli_opts(list(extra_opts))
    logging.register_options(CONF)
    CONF(argv, project='nova', prog=binary)
    logging.setup(CONF, 'nova')
    objects.register_all()


def run(binary, make_service):
    """Start ``make_service()`` under oslo.service; a configuration error
    exits with status 2 and one line naming it, never a traceback.
    """
    from nova import exception
    from nova import service

    try:
        service.check_transport(binary)
        svc = make_service()
    except (exception.NovaException, ValueError) as exc:
        print('%s: %s' % (binary, exc), file=sys.stderr)
        return 2
    service.launch(svc)
    return 0


def conf():
    import nova.conf
    return nova.conf.CONF
