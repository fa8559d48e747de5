from oslo_config import cfg

base_opts = [
    cfg.StrOpt(
        'state_path',
        default='$pybasedir/state',
        help="""
Top-level directory for maintaining the service's state.

The default SQLite database lives here unless ``[database] connection``
names another location.
"""),
    cfg.StrOpt(
        'pybasedir',
        default='.',
        sample_default='<Path>',
        help="""
Directory the relative default of ``state_path`` is resolved against.

Defaults to the current working directory.
"""),
    cfg.StrOpt(
        'host',
        default='localhost',
        sample_default='<current_hostname>',
        help="""
Name of this compute host as the scheduler and Placement know it.
"""),
]

ALL_OPTS = base_opts


def register_opts(conf):
    conf.register_opts(base_opts)


def list_opts():
    return {'DEFAULT': base_opts}
