"""``nova-manage``: administer the nova database.

``nova-manage db sync [VERSION]`` upgrades the database of ``[database]
connection`` to VERSION (default: the newest revision) and prints the
revision it is at; ``nova-manage db version`` prints that revision (or
``None`` for a database never synced).  Both take ``--config-file``.
Exit status: 0 on success, 2 when the command line, a configuration file
or the version is refused before the database is touched, 1 when the
database or its URL is unusable.  Every error is one line on stderr.
"""

import contextlib
import io
import logging
import sys

from oslo_config import cfg

import nova.conf
from nova.db import migration
from nova import exception
from nova import utils

CONF = nova.conf.CONF
EXIT_FAILED = 1
EXIT_REFUSED = 2


def db_sync(version):
    url = CONF.database.connection
    version = migration.check_version(version)
    revision = migration.db_sync(url, version)
    suffix = ' (head)' if revision == migration.head_revision() else ''
    print('Database at %s is at revision %s%s' % (
        migration.safe_url(url), revision, suffix))


def db_version():
    print(migration.db_version(CONF.database.connection))


def _add_command_parsers(subparsers):
    db = subparsers.add_parser('db', help='database schema commands')
    actions = db.add_subparsers(dest='action', metavar='ACTION')
    actions.required = True
    sync = actions.add_parser(
        'sync', help='upgrade the database to a revision (default: head)')
    sync.add_argument('version', nargs='?', default='head',
                      help='revision id, or "head"')
    sync.set_defaults(run=lambda: db_sync(CONF.category.version))
    version = actions.add_parser(
        'version', help='print the revision the database is at')
    version.set_defaults(run=db_version)


category_opt = cfg.SubCommandOpt('category', title='Command categories',
                                 handler=_add_command_parsers)


# Options of the whole command that may also follow the sub-command.
_GLOBAL_OPTIONS = ('--config-file', '--config-dir')


def _globals_first(argv):
    """Move the global options to the front, where argparse wants them.

    ``nova-manage db sync --config-file nova.conf`` then works as well as
    ``nova-manage --config-file nova.conf db sync``.
    """
    moved, rest = [], []
    args = iter(argv)
    for arg in args:
        if arg in _GLOBAL_OPTIONS:
            value = next(args, None)
            if value is None:
                rest.append(arg)  # argparse says the value is missing
            else:
                moved += [arg, value]
        elif arg.startswith(tuple(opt + '=' for opt in _GLOBAL_OPTIONS)):
            moved.append(arg)
        else:
            rest.append(arg)
    return moved + rest


class UsageError(Exception):
    """A command line argparse refused; the message is argparse's."""


def _parse(argv):
    """Parse the command line; UsageError in one line if argparse
    refuses it (its usage block is not repeated).
    """
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            CONF(_globals_first(argv), project='nova', prog='nova-manage')
    except SystemExit as exc:
        if exc.code in (0, None):
            raise  # --help, printed on stdout
        lines = [line for line in captured.getvalue().splitlines()
                 if line.strip()]
        message = lines[-1] if lines else 'the command line is incomplete'
        raise UsageError('%s (see nova-manage --help)' % message.replace(
            ': error: ', ': ', 1))


def _error(message, status):
    line = ' '.join(str(message).split())
    print('ERROR: %s' % utils.shorten(line, 2000), file=sys.stderr)
    return status


def _run(argv):
    try:
        _parse(argv)
    except UsageError as exc:
        return _error(exc, EXIT_REFUSED)
    except (cfg.Error, OSError) as exc:
        # A configuration file missing, unreadable or malformed.
        return _error(exc, EXIT_REFUSED)
    try:
        CONF.category.run()
    except (exception.Invalid, cfg.Error) as exc:
        return _error(exc, EXIT_REFUSED)
    except exception.NovaException as exc:
        return _error(exc, EXIT_FAILED)
    return 0


def main(argv=None):
    """Run a command; returns the exit status.

    The command line is only registered on the global CONF while the
    command runs, so calling this in-process (tests) leaves other
    commands' parsing as it was.  oslo.db's warnings (about URLs without a
    driver name) are silenced: the command reports failures itself.
    """
    argv = sys.argv[1:] if argv is None else argv
    db_logger = logging.getLogger('oslo_db')
    level = db_logger.level
    db_logger.setLevel(logging.ERROR)
    CONF.register_cli_opt(category_opt)
    try:
        return _run(argv)
    finally:
        CONF.clear()
        CONF.unregister_opt(category_opt)
        db_logger.setLevel(level)


if __name__ == '__main__':
    sys.exit(main())
