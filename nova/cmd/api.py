"""nova-api: the compute REST API of a multi-process deployment.

``nova-api --config-file /etc/nova/nova.conf`` checks the configuration,
then becomes gunicorn's master process: ``[api] workers`` worker
processes with ``[api] threads`` threads each (the ``gthread`` worker),
listening on ``[api] listen``:``[api] listen_port``.  Each worker loads
``nova.api.openstack.wsgi_app``'s application after it was forked.
SIGTERM stops it gracefully (gunicorn's signals).
"""

import sys

#: gunicorn settings nova-api always sets (when this gunicorn knows them).
FIXED_SETTINGS = {
    'worker_class': 'gthread',
    # No access log on stdout: requests are logged by the service at
    # debug level.
    'accesslog': None,
    'proc_name': 'nova-api',
    # gunicorn 25.1 and later open a control socket in $HOME by default.
    'control_socket_disable': True,
}


def bind_address(host, port):
    if ':' in host:
        return '[%s]:%d' % (host, port)
    return '%s:%d' % (host, port)


def settings(conf):
    """{gunicorn setting: value} from the ``[api]`` options."""
    found = dict(FIXED_SETTINGS)
    found.update(bind=[bind_address(conf.api.listen, conf.api.listen_port)],
                 workers=conf.api.workers, threads=conf.api.threads)
    return found


def _application_class():
    from gunicorn.app import base

    class Application(base.BaseApplication):
        """gunicorn's master for nova-api (the configuration is parsed
        already; workers inherit it when they are forked).
        """

        def __init__(self, options):
            self.options = options
            super().__init__()

        def load_config(self):
            for name, value in self.options.items():
                if name in self.cfg.settings:
                    self.cfg.set(name, value)

        def load(self):
            from nova.api.openstack import wsgi_app
            return wsgi_app.build()

    return Application


def main(argv=None):
    from oslo_config import cfg

    from nova.api.openstack import wsgi_app
    from nova import exception

    try:
        wsgi_app.configure(sys.argv[1:] if argv is None else argv)
    except (exception.NovaException, cfg.Error, ValueError) as exc:
        print('%s: %s' % (wsgi_app.BINARY, exc), file=sys.stderr)
        return 2
    from nova.cmd import common
    _application_class()(settings(common.conf())).run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
