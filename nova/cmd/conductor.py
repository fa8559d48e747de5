"""nova-conductor: orchestrates moves, persists the computes' objects,
and schedules (Placement holds the scheduler's state)."""

import sys

from nova.cmd import common


def main(argv=None):
    common.init_backend()
    common.parse_args(sys.argv[1:] if argv is None else argv,
                      'nova-conductor')
    from nova import service

    def make():
        service.check_database('nova-conductor',
                               common.conf().database.connection)
        return service.ConductorService(common.conf().host)
    return common.run('nova-conductor', make)


if __name__ == '__main__':
    sys.exit(main())
