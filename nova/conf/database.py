"""[database]: oslo.db's own options, with a SQLite file by default.

oslo.db registers these options itself when an engine starts, so the group
must be oslo.db's options (not look-alikes) or the two would clash.
"""

from oslo_db import options as oslo_db_options

DEFAULT_CONNECTION = 'sqlite:///$state_path/nova.sqlite'


def register_opts(conf):
    oslo_db_options.set_defaults(conf, connection=DEFAULT_CONNECTION)


def list_opts():
    return {group: opts for group, opts in oslo_db_options.list_opts()}
