"""nova-compute: the compute service of one host (``--host`` or
``[DEFAULT] host``), driving its libvirtd or a simulated hypervisor."""

import sys

from nova.cmd import common


def _opts():
    from oslo_config import cfg
    return [cfg.StrOpt('host', positional=False, dest='cli_host',
                       help='Host name of this compute service (overrides '
                            '[DEFAULT] host).')]


def main(argv=None):
    common.init_backend()
    common.parse_args(sys.argv[1:] if argv is None else argv,
                      'nova-compute', _opts())
    from nova import service
    conf = common.conf()
    host = conf.cli_host or conf.host
    return common.run('nova-compute',
                      lambda: service.ComputeService(host))


if __name__ == '__main__':
    sys.exit(main())
