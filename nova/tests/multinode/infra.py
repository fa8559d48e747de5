"""The lab's shared infrastructure: RabbitMQ, PostgreSQL and (for the
tests that ask for it) MariaDB, by hand.

Everything lives under the lab's state directory (``NOVA_MULTINODE_DIR``,
default /tmp/nova-multinode): data, logs, pid files, the Erlang cookie.
Nothing is installed as a system service and nothing listens outside the
lab's address (127.0.0.1, or the bridge address of the lab's own network
namespace).  ``start`` is idempotent (a running broker or server is
kept); ``stop`` stops them all and leaves no process behind.  MariaDB is
started by the first test that asks for a database on it
(``fresh_database(name, 'mariadb')``).

    python -m nova.tests.multinode.infra start|stop|status
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import time

STATE = os.environ.get('NOVA_MULTINODE_DIR', '/tmp/nova-multinode')
#: The address services listen on and connect to (the bridge address
#: inside the lab's control namespace, else loopback).
ADDRESS = os.environ.get('NOVA_MULTINODE_ADDRESS', '127.0.0.1')
AMQP_PORT, DIST_PORT, EPMD_PORT = 25672, 25673, 24369
PG_PORT = 25432
MARIADB_PORT = 23306
PLACEMENT_PORT = 28778
API_PORT = 28774
NODE = 'lab@localhost'
READY_TIMEOUT = 120


class LabError(Exception):
    """A lab step is impossible; the message says which and why."""


def _path(*parts):
    return os.path.join(STATE, *parts)


def _run(argv, env=None, check=True, user=None, timeout=120):
    if user is not None and os.geteuid() == 0:
        argv = ['su', user, '-s', '/bin/sh', '-c',
                ' '.join("'%s'" % a.replace("'", "'\\''") for a in argv)]
    result = subprocess.run(argv, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode:
        raise LabError('%s failed (%d): %s' % (
            ' '.join(argv), result.returncode,
            (result.stderr or result.stdout).strip()[-800:]))
    return result


def _wait_port(port, what, timeout=READY_TIMEOUT, address=ADDRESS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((address, port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise LabError('%s did not listen on %s:%d within %d s' % (
        what, address, port, timeout))


def _alive(pidfile):
    try:
        with open(pidfile) as f:
            pid = int(f.read().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None


# -- RabbitMQ -----------------------------------------------------------------

def _rabbit_bin(name):
    found = glob.glob('/usr/lib/rabbitmq/bin/%s' % name)
    if not found:
        raise LabError('RabbitMQ is not installed (apt-get install '
                       'rabbitmq-server; tools/multinode/setup does it)')
    return found[0]


def rabbit_env():
    base = _path('rabbit')
    env = dict(os.environ,
               RABBITMQ_NODENAME=NODE, RABBITMQ_NODE_IP_ADDRESS=ADDRESS,
               RABBITMQ_NODE_PORT=str(AMQP_PORT),
               RABBITMQ_DIST_PORT=str(DIST_PORT),
               RABBITMQ_MNESIA_BASE=os.path.join(base, 'mnesia'),
               RABBITMQ_LOG_BASE=os.path.join(base, 'log'),
               RABBITMQ_PID_FILE=os.path.join(base, 'beam.pid'),
               RABBITMQ_CONFIG_FILE=os.path.join(base, 'rabbitmq'),
               RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(
                   base, 'enabled_plugins'),
               RABBITMQ_CONF_ENV_FILE=os.path.join(base, 'env.conf'),
               HOME=os.path.join(base, 'home'),
               ERL_EPMD_ADDRESS='127.0.0.1', ERL_EPMD_PORT=str(EPMD_PORT),
               RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=(
                   '-kernel inet_dist_use_interface {127,0,0,1}'))
    return env


def rabbitmqctl(*args, check=True):
    return _run([_rabbit_bin('rabbitmqctl'), '-q'] + list(args),
                env=rabbit_env(), check=check)


def start_rabbit():
    base = _path('rabbit')
    if _alive(os.path.join(base, 'beam.pid')):
        return
    for sub in ('mnesia', 'log', 'home'):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    with open(os.path.join(base, 'rabbitmq.conf'), 'w') as f:
        f.write('listeners.tcp.default = %s:%d\nloopback_users = none\n'
                % (ADDRESS, AMQP_PORT))
    with open(os.path.join(base, 'enabled_plugins'), 'w') as f:
        f.write('[].\n')
    open(os.path.join(base, 'env.conf'), 'w').close()
    log = open(os.path.join(base, 'server.out'), 'ab')
    subprocess.Popen([_rabbit_bin('rabbitmq-server')], env=rabbit_env(),
                     stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                     start_new_session=True)
    _wait_port(AMQP_PORT, 'RabbitMQ')
    rabbitmqctl('await_startup')


def stop_rabbit():
    base = _path('rabbit')
    pid = _alive(os.path.join(base, 'beam.pid'))
    if pid:
        result = rabbitmqctl('stop', os.path.join(base, 'beam.pid'),
                             check=False)
        if result.returncode and _alive(os.path.join(base, 'beam.pid')):
            os.kill(pid, 9)
    _run(['epmd', '-port', str(EPMD_PORT), '-kill'], check=False,
         env=dict(os.environ, ERL_EPMD_ADDRESS='127.0.0.1'))


def restart_rabbit():
    stop_rabbit()
    start_rabbit()


# -- PostgreSQL ---------------------------------------------------------------

def _pg_bin(name):
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/%s' % name))
    if not found:
        raise LabError('PostgreSQL is not installed (apt-get install '
                       'postgresql; tools/multinode/setup does it)')
    return found[-1]


def _pg_user():
    return 'postgres' if os.geteuid() == 0 else None


def start_postgres():
    base = _path('pg')
    data = os.path.join(base, 'data')
    if _alive(os.path.join(data, 'postmaster.pid')):
        return
    os.makedirs(base, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(base, 'postgres', 'postgres')
    if not os.path.exists(os.path.join(data, 'PG_VERSION')):
        _run([_pg_bin('initdb'), '-D', data, '-A', 'trust', '-U',
              'postgres', '--no-sync'], user=_pg_user())
    _run([_pg_bin('pg_ctl'), '-D', data, '-l',
          os.path.join(base, 'server.log'), '-w', '-o',
          '-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off '
          '-c max_connections=200' % (PG_PORT, base), 'start'],
         user=_pg_user())


def stop_postgres():
    data = _path('pg', 'data')
    if _alive(os.path.join(data, 'postmaster.pid')):
        _run([_pg_bin('pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop'],
             user=_pg_user(), check=False)


def psql(sql):
    return _run(['psql', '-h', '127.0.0.1', '-p', str(PG_PORT), '-U',
                 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql])


def fresh_database(name, kind='postgresql'):
    """Drop and create database ``name`` owned by the user ``name`` on
    the lab's PostgreSQL or (``kind='mariadb'``) MariaDB server; returns
    its SQLAlchemy URL.
    """
    if kind == 'mariadb':
        return fresh_mariadb_database(name)
    if kind != 'postgresql':
        raise LabError('no %r database server in the lab' % kind)
    exists = _run(['psql', '-h', '127.0.0.1', '-p', str(PG_PORT), '-U',
                   'postgres', '-tAc',
                   "SELECT 1 FROM pg_roles WHERE rolname='%s'" % name])
    if not exists.stdout.strip():
        psql("CREATE USER %s PASSWORD '%s'" % (name, name))
    psql('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
    psql('CREATE DATABASE %s OWNER %s' % (name, name))
    return 'postgresql+psycopg2://%s:%s@127.0.0.1:%d/%s' % (
        name, name, PG_PORT, name)


# -- MariaDB ------------------------------------------------------------------

def _mariadb_socket():
    return _path('mariadb', 'mysqld.sock')


def start_mariadb():
    """MariaDB on 127.0.0.1:MARIADB_PORT, data under the lab (started
    once; kept until ``stop``).
    """
    base = _path('mariadb')
    data = os.path.join(base, 'data')
    pidfile = os.path.join(base, 'mariadbd.pid')
    if _alive(pidfile):
        return
    if not os.path.exists('/usr/sbin/mariadbd'):
        raise LabError('MariaDB is not installed (apt-get install '
                       'mariadb-server; tools/multinode/setup does it)')
    os.makedirs(base, exist_ok=True)
    user = 'root' if os.geteuid() == 0 else None
    if not os.path.isdir(os.path.join(data, 'mysql')):
        argv = ['mariadb-install-db', '--no-defaults', '--datadir=' + data,
                '--auth-root-authentication-method=normal',
                '--skip-test-db']
        if user:
            argv.append('--user=' + user)
        _run(argv, timeout=300)
    argv = ['/usr/sbin/mariadbd', '--no-defaults', '--datadir=' + data,
            '--socket=' + _mariadb_socket(), '--port=%d' % MARIADB_PORT,
            '--bind-address=127.0.0.1', '--pid-file=' + pidfile,
            '--log-error=' + os.path.join(base, 'error.log'),
            '--innodb-flush-log-at-trx-commit=0', '--skip-log-bin',
            '--max-connections=300', '--character-set-server=utf8mb4']
    if user:
        argv.append('--user=' + user)
    subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    _wait_port(MARIADB_PORT, 'MariaDB', address='127.0.0.1')


def stop_mariadb():
    pidfile = _path('mariadb', 'mariadbd.pid')
    pid = _alive(pidfile)
    if not pid:
        return
    os.kill(pid, 15)
    deadline = time.monotonic() + 60
    while _alive(pidfile) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pidfile):
        os.kill(pid, 9)


def mariadb_sql(sql):
    return _run(['mariadb', '--no-defaults', '-S', _mariadb_socket(), '-u',
                 'root', '-e', sql])


def fresh_mariadb_database(name):
    start_mariadb()
    mariadb_sql("CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s'; "
                'DROP DATABASE IF EXISTS %s; '
                'CREATE DATABASE %s CHARACTER SET utf8mb4; '
                "GRANT ALL ON %s.* TO '%s'@'%%'"
                % (name, name, name, name, name, name))
    return 'mysql+pymysql://%s:%s@127.0.0.1:%d/%s?charset=utf8mb4' % (
        name, name, MARIADB_PORT, name)


# -- the whole ---------------------------------------------------------------

def start():
    os.makedirs(STATE, exist_ok=True)
    os.chmod(STATE, 0o755)
    start_postgres()
    start_rabbit()


def stop():
    stop_rabbit()
    stop_postgres()
    stop_mariadb()


def main(argv):
    if argv[1:] not in (['start'], ['stop']):
        print('usage: python -m nova.tests.multinode.infra start|stop',
              file=sys.stderr)
        return 2
    try:
        start() if argv[1] == 'start' else stop()
    except (LabError, subprocess.TimeoutExpired, OSError) as exc:
        print('multinode: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
