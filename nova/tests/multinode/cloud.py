"""One test's cloud of real processes.

Per test: a RabbitMQ vhost, fresh ``nova`` and ``placement`` databases on
the lab's PostgreSQL (or MariaDB: ``database``), Placement under
gunicorn, the simulated hypervisor daemon (all hosts' guests, outside
every compute process), one
``nova-conductor`` and one ``nova-compute`` per host -- each compute in its
host's network namespace when the lab has them.  The test process talks
to the services as an API would: nova.compute.api over the same RabbitMQ
and database (nova.deployment.RemoteDeployment).  Tests that drive the
REST API also start ``nova-api`` (gunicorn, two workers, the identity
facade) beside the conductor and run the real ``openstack`` command
against it (``start_api``, ``openstack``).

Every process gets its own session (process group) and log file in the
test's directory; ``stop`` kills them all.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

from oslo_utils import uuidutils
import yaml

from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import engines
from oslo_db.sqlalchemy import orm

import nova.conf
from nova import context as nova_context
from nova.db import api as db_api
from nova.db import migration
from nova import deployment
from nova import objects
from nova.scheduler.client import placement
from nova.sim import remote as sim_remote
from nova.virt.libvirt import host as libvirt_host
from nova.tests.multinode import infra

CONF = nova.conf.CONF
PY = sys.executable
REPORT_INTERVAL = 1
SERVICE_DOWN_TIME = 4
#: gunicorn workers of nova-api: more than one, so that a token or a
#: setting one worker wrote must be seen by the other.
API_WORKERS = 2
#: Real seconds one ``openstack`` command may take.
OPENSTACK_TIMEOUT = 120
#: The lab's host namespaces are named <prefix><host> (see
#: tools/multinode/netns).
NETNS_PREFIX = os.environ.get('NOVA_MULTINODE_NETNS_PREFIX', '')


class Failed(Exception):
    pass


def wait_for(what, predicate, timeout=60, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed('timed out after %s s waiting for %s' % (
                timeout, what))
        time.sleep(interval)


class Cloud(object):
    """The processes of one test, and the API side in this process."""

    def __init__(self, name, hosts=('h1', 'h2', 'h3'), real_libvirt=None,
                 database='postgresql'):
        self.name = name
        #: The SQL server of the nova and placement databases: the lab's
        #: 'postgresql' or 'mariadb'.
        self.database = database
        self.hosts = list(hosts)
        #: The real-libvirt lab's environment ({NOVA_LAB_*: value}): the
        #: computes then drive its libvirtd daemons (hosts 'a' and 'b').
        self.real = real_libvirt
        self.dir = os.path.join(infra.STATE, 'tests', name)
        self.procs = {}
        self.ctxt = nova_context.get_admin_context()
        self._exit = contextlib.ExitStack()

    # -- configuration ------------------------------------------------------

    @property
    def transport_url(self):
        return 'rabbit://guest:guest@%s:%d/%s' % (
            infra.ADDRESS, infra.AMQP_PORT, self.name)

    @property
    def placement_url(self):
        return 'http://%s:%d' % (infra.ADDRESS, infra.PLACEMENT_PORT)

    def uri(self, host):
        if self.real:
            return self.real['NOVA_LAB_URI_%s' % host.upper()]
        return 'sim+unix:///system?socket=%s&host=%s' % (self.sim_socket,
                                                         host)

    def _real_libvirt_lines(self):
        if not self.real:
            return []
        env = self.real
        return ['virt_type = qemu',
                'guest_kernel = %s' % env['NOVA_LAB_KERNEL'],
                'guest_initrd = %s' % env['NOVA_LAB_INITRD'],
                'live_migration_uri_template = %s' %
                env['NOVA_LAB_URI_TEMPLATE'],
                'live_migration_inbound_addr = %s' %
                env['NOVA_LAB_MIGRATION_ADDR']]

    def _write_conf(self, name, database=None, libvirt_uri=None, host=None,
                    extra=()):
        lines = ['[DEFAULT]',
                 'transport_url = %s' % self.transport_url,
                 'report_interval = %d' % REPORT_INTERVAL,
                 'service_down_time = %d' % SERVICE_DOWN_TIME,
                 'rpc_response_timeout = 30',
                 'long_rpc_timeout = 120',
                 'state_path = %s' % (
                     self.real['NOVA_LAB_STATE_PATH'] if self.real
                     else self.dir)]
        if host:
            lines.append('host = %s' % host)
        lines += ['[placement]', 'endpoint_override = %s' %
                  self.placement_url]
        if database:
            lines += ['[database]', 'connection = %s' % database]
        if libvirt_uri:
            lines += ['[libvirt]', 'connection_uri = %s' % libvirt_uri,
                      'live_migration_completion_timeout = 300']
            lines += self._real_libvirt_lines()
        lines += ['[oslo_messaging_rabbit]',
                  'heartbeat_timeout_threshold = 10',
                  'kombu_reconnect_delay = 0.5']
        lines += list(extra)
        path = os.path.join(self.dir, '%s.conf' % name)
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        return path

    # -- processes ----------------------------------------------------------

    def _spawn(self, name, argv, netns=None):
        if netns:
            argv = ['ip', 'netns', 'exec', netns] + argv
        log = open(os.path.join(self.dir, '%s.log' % name), 'ab')
        self.procs[name] = subprocess.Popen(
            argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
            start_new_session=True, cwd=self.dir)
        log.close()
        return self.procs[name]

    def kill(self, name, sig=signal.SIGKILL):
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def start_placement(self):
        etc = os.path.join(self.dir, 'placement_etc')
        os.makedirs(etc, exist_ok=True)
        with open(os.path.join(etc, 'placement.conf'), 'w') as f:
            f.write('[api]\nauth_strategy = noauth2\n'
                    '[placement_database]\nconnection = %s\n'
                    % self.placement_db)
        env = dict(os.environ, OS_PLACEMENT_CONFIG_DIR=etc)
        subprocess.run([os.path.join(os.path.dirname(PY),
                                     'placement-manage'), '--config-file',
                        os.path.join(etc, 'placement.conf'), 'db', 'sync'],
                       env=env, check=True, capture_output=True)
        log = open(os.path.join(self.dir, 'placement.log'), 'ab')
        self.procs['placement'] = subprocess.Popen(
            [os.path.join(os.path.dirname(PY), 'gunicorn'), '-b',
             '%s:%d' % (infra.ADDRESS, infra.PLACEMENT_PORT), '-w', '1',
             '--threads', '8', '--no-control-socket',
             'placement.wsgi.api:application'],
            env=env, stdout=log, stderr=log, start_new_session=True)
        infra._wait_port(infra.PLACEMENT_PORT, 'Placement', timeout=60)

    def start_sim(self):
        self.sim_socket = os.path.join(self.dir, 'sim.sock')
        argv = [PY, '-m', 'nova.sim.daemon', '--socket', self.sim_socket,
                '--memory-mb', '16384', '--vcpus', '16', '--disk-gb', '200']
        for host in self.hosts:
            argv += ['--host', host]
        self._spawn('sim', argv)
        wait_for('the simulated hypervisor',
                 lambda: os.path.exists(self.sim_socket), timeout=30)

    def start_conductor(self):
        self._spawn('conductor', [
            PY, '-m', 'nova.cmd.conductor', '--config-file',
            self.conductor_conf])
        wait_for('nova-conductor to report', lambda: self._up(
            'nova-conductor', 'conductor'), timeout=60)

    def start_compute(self, host):
        conf = self._write_conf('compute-%s' % host,
                                libvirt_uri=self.uri(host), host=host)
        self._spawn('compute-%s' % host, [
            PY, '-m', 'nova.cmd.compute', '--config-file', conf],
            netns=NETNS_PREFIX + host if NETNS_PREFIX and not self.real
            else None)

    # -- the REST API ------------------------------------------------------

    @property
    def api_url(self):
        return 'http://%s:%d' % (infra.ADDRESS, infra.API_PORT)

    def _api_files(self):
        """nova-api's configuration and the clouds.yaml of cloud ``lab``
        (password authentication against the identity facade).
        """
        password = uuidutils.generate_uuid(dashed=False)
        self.api_conf = self._write_conf(
            'api', database=self.nova_db, extra=[
                '[api]', 'auth_strategy = facade',
                'admin_password = %s' % password,
                'listen = %s' % infra.ADDRESS,
                'listen_port = %d' % infra.API_PORT,
                'workers = %d' % API_WORKERS,
                'live_migration_accept_timeout = 30'])
        self.clouds_yaml = os.path.join(self.dir, 'clouds.yaml')
        with open(self.clouds_yaml, 'w') as f:
            yaml.safe_dump({'clouds': {'lab': {
                'auth_type': 'password',
                'auth': {'auth_url': self.api_url + '/identity',
                         'username': 'admin', 'password': password,
                         'project_name': 'admin',
                         'user_domain_name': 'Default',
                         'project_domain_name': 'Default'},
                'identity_api_version': 3,
                'region_name': 'RegionOne'}}}, f)

    def _api_answers(self):
        proc = self.procs['api']
        if proc.poll() is not None:
            with open(os.path.join(self.dir, 'api.log'),
                      errors='replace') as f:
                raise Failed('nova-api exited with status %s: %s' % (
                    proc.returncode, f.read()[-2000:]))
        try:
            with urllib.request.urlopen(self.api_url + '/', timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def start_api(self):
        """``nova-api`` (gunicorn) on the lab's address, in the control
        namespace; returns once it answers.
        """
        if not getattr(self, 'api_conf', None):
            self._api_files()
        self._spawn('api', [PY, '-m', 'nova.cmd.api', '--config-file',
                            self.api_conf])
        wait_for('nova-api to answer', self._api_answers, timeout=90)

    def openstack(self, *argv):
        """Run the real ``openstack`` command against the lab's API;
        returns the CompletedProcess (text).
        """
        env = {k: v for k, v in os.environ.items() if not k.startswith(
            'OS_')}
        # No user-wide client configuration or cache.
        env.update(OS_CLIENT_CONFIG_FILE=self.clouds_yaml, OS_CLOUD='lab',
                   HOME=self.dir)
        return subprocess.run(
            [os.path.join(os.path.dirname(PY), 'openstack')] + list(argv),
            env=env, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=OPENSTACK_TIMEOUT)

    def openstack_ok(self, *argv):
        """Run a command that must succeed; its stdout, parsed when
        ``-f json`` was asked.
        """
        done = self.openstack(*argv)
        if done.returncode:
            raise Failed('openstack %s exited %s: %s' % (
                ' '.join(argv), done.returncode, done.stderr[-2000:]))
        if '-f' in argv and argv[argv.index('-f') + 1] == 'json':
            return json.loads(done.stdout)
        return done.stdout

    def _up(self, binary, host):
        return self.group.is_up(binary, host)

    def wait_up(self, *hosts, timeout=90):
        for host in hosts or self.hosts:
            wait_for('nova-compute on %s to be up' % host,
                     lambda: self._up('nova-compute', host), timeout=timeout)

    def wait_down(self, host, timeout=30):
        wait_for('nova-compute on %s to be down' % host,
                 lambda: not self._up('nova-compute', host),
                 timeout=timeout)

    # -- the whole ------------------------------------------------------------

    def start(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        infra.rabbitmqctl('add_vhost', self.name)
        infra.rabbitmqctl('set_permissions', '-p', self.name, 'guest', '.*',
                          '.*', '.*')
        self.nova_db = infra.fresh_database('nova', self.database)
        self.placement_db = infra.fresh_database('placement', self.database)
        migration.db_sync(self.nova_db)
        self._use_database()
        self.start_placement()
        if not self.real:
            self.start_sim()
        self.conductor_conf = self._write_conf('conductor',
                                               database=self.nova_db,
                                               host='conductor')
        self._configure_api()
        self.start_conductor()
        for host in self.hosts:
            self.start_compute(host)
        self.wait_up()

    def _use_database(self):
        engine = engines.create_engine(self.nova_db)
        self._exit.callback(engine.dispose)
        factory = enginefacade._TestTransactionFactory(
            engine, orm.get_maker(engine=engine), apply_global=False,
            from_factory=db_api.context_manager._factory)
        self._exit.callback(db_api.context_manager.patch_factory(factory))

    def _configure_api(self):
        for name, value, group in (
                ('transport_url', self.transport_url, None),
                ('report_interval', REPORT_INTERVAL, None),
                ('service_down_time', SERVICE_DOWN_TIME, None),
                ('rpc_response_timeout', 30, None),
                ('migration_poll_interval', 0.2, None),
                ('migration_wait_timeout', 300, None),
                ('endpoint_override', self.placement_url, 'placement')):
            CONF.set_override(name, value, group)
            self._exit.callback(CONF.clear_override, name, group)
        objects.register_all()
        self.reportclient = self._exit.enter_context(
            placement.report_client(CONF))
        # What nova-api builds in each of its workers.
        remote = deployment.RemoteDeployment(self.reportclient)
        self._exit.callback(remote.close)
        self.transport = remote.transport
        self.group = remote.servicegroup
        self.compute_rpcapi = remote.compute_rpcapi
        self.scheduler = remote.scheduler
        self.api = remote.api

    def stop(self):
        for name in list(self.procs):
            self.kill(name)
        try:
            self._exit.close()
        finally:
            infra.rabbitmqctl('delete_vhost', self.name, check=False)

    # -- faults and views -----------------------------------------------------

    def network(self, method, *args):
        """Call the simulated network (``drop_link``, ...) in the daemon."""
        return sim_remote._request(self.sim_socket, 'net', None, method,
                                   args, {})[1]

    def domain(self, host, uuid):
        return sim_remote.openAuth(self.uri(host)).lookupByUUIDString(uuid)

    def where(self, uuid):
        """{host: libvirt state} of the instance's domains."""
        found = {}
        for host in self.hosts:
            conn = libvirt_host.Host(self.uri(host)).get_connection()
            for dom in conn.listAllDomains():
                if dom.UUIDString() == uuid:
                    found[host] = dom.state()[0]
        return found

    def partition(self, host, heal=False):
        ns = NETNS_PREFIX + host
        for chain, flag in (('INPUT', '-i'), ('OUTPUT', '-o')):
            subprocess.run(['ip', 'netns', 'exec', ns, 'iptables',
                            '-D' if heal else '-A', chain, flag, 'eth0',
                            '-j', 'DROP'], check=True)
