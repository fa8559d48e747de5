"""``nova-live-migration serve``: an embedded cloud behind the REST API.

The scenario's hosts start on the simulated libvirt, driven by a clock
paced by real time (``--speed`` times faster), its flavors and images
are offered by the API and its instances boot (with their workloads);
its steps are not run -- the operator drives the cloud with
``openstack``.  A clouds.yaml with the cloud ``nova-live-migration``
(password authentication against the identity facade) is written, then
one line ``ready URL`` is printed on stdout.  SIGTERM or SIGINT stops
the API, ends running migrations and exits 0.
"""

import os
import secrets
import signal
import sys
import threading

from oslo_log import log as logging
import yaml

import nova.conf
from nova.api.openstack import app as api_app
from nova.api.openstack import auth
from nova.api.openstack import backend as api_backend
from nova.api.openstack import server as api_server
from nova import context as nova_context
from nova import exception
from nova.scenario import cloud as scenario_cloud
from nova.scenario import job as scenario_job
from nova.scenario import runner as scenario_runner
from nova.scheduler.client import placement
from nova.sim import paced_clock

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
CLOUD_NAME = 'nova-live-migration'
#: Simulated seconds between two saves of a running migration's progress
#: (the per-host default when the configuration does not say).
SERVE_SAVE_INTERVAL = 1
#: Real seconds to let running migrations end after the API stopped.
STOP_TIMEOUT = 15


def clouds_yaml(url, strategy, password):
    """The clouds.yaml document for the served cloud (None: nothing to
    write, Keystone owns the credentials).
    """
    if strategy == auth.FACADE:
        entry = {'auth_type': 'password',
                 'auth': {'auth_url': url + '/identity',
                          'username': 'admin', 'password': password,
                          'project_name': 'admin',
                          'user_domain_name': 'Default',
                          'project_domain_name': 'Default'},
                 'identity_api_version': 3,
                 'region_name': 'RegionOne'}
    elif strategy == auth.NONE:
        entry = {'auth_type': 'none', 'auth': {'endpoint': url + '/v2.1'},
                 'identity_api_version': 3,
                 'image_endpoint_override': url + '/image'}
    else:
        return None
    return {'clouds': {CLOUD_NAME: entry}}


def write_clouds_yaml(path, document):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as stream:
        yaml.safe_dump(document, stream, default_flow_style=False)


class ServedCloud(object):
    """The scenario's cloud, its catalogues and the API, started."""

    def __init__(self, scenario, ctxt, report_client, speed=1.0):
        self.scenario = scenario
        self.ctxt = ctxt
        self.clock = paced_clock.PacedClock(speed)
        self.cloud = scenario_cloud.Cloud(scenario, ctxt, report_client,
                                          clock=self.clock)
        self.backend = None
        self.server = None

    def start(self, bind='127.0.0.1', port=0):
        self.cloud.start()
        self.clock.start()
        self.backend = api_backend.Backend(self.cloud.deployment)
        self._seed()
        self._boot()
        self.server = api_server.Server(api_app.build(self.backend), bind,
                                        port)
        self.server.start()
        return self.server.url

    def _seed(self):
        for name, spec in (self.scenario.get('flavors') or {}).items():
            flavor = scenario_runner.flavor_object(name, spec)
            self.backend.flavors.create(
                name=name, vcpus=flavor.vcpus, memory_mb=flavor.memory_mb,
                root_gb=flavor.root_gb, flavorid=name,
                extra_specs=flavor.extra_specs)
        self.image_ids = {}
        for name in (self.scenario.get('images') or {}):
            props = scenario_runner.image_for(
                self.scenario, {'image': name})['properties']
            image = self.backend.images.create(
                self.ctxt.project_id, {'name': name, 'visibility': 'public',
                                       'container_format': 'bare',
                                       'disk_format': 'raw'}, props)
            self.backend.images.uploaded(image['id'], 0, None, None)
            self.image_ids[name] = image['id']

    def _boot(self):
        flavors = self.scenario.get('flavors') or {}
        for name, spec in (self.scenario.get('instances') or {}).items():
            image_name = spec.get('image')
            image = scenario_runner.image_for(self.scenario, spec)
            image.update(id=self.image_ids.get(image_name), name=image_name)
            try:
                instance = self.cloud.deployment.api.create(
                    self.ctxt, self.backend.flavors.get(
                        spec['flavor']).flavor, image, display_name=name,
                    host=spec.get('host'))
            except exception.NovaException as exc:
                print('instance %s not booted: %s' % (name, exc),
                      file=sys.stderr)
                continue
            if not self.cloud.real:
                self.cloud.set_workload(instance.uuid, instance.host,
                                        scenario_runner.workload_for(
                                            flavors[spec['flavor']],
                                            spec.get('workload')))
            print('instance %s (%s) runs on %s' % (
                name, instance.uuid, instance.host), file=sys.stderr)

    def stop(self):
        if self.server is not None:
            self.server.stop()
        # Running migrations end (failed, rolled back) with the network.
        self.cloud.close()
        left = self.cloud.deployment.api.wait_background(STOP_TIMEOUT)
        if left:
            LOG.warning('%d migration thread(s) still running at exit', left)
        self.clock.stop()


def serve(args, scenario):
    """Run until SIGTERM/SIGINT; returns the exit status."""
    if scenario.get('steps'):
        print('note: serve boots the scenario\'s instances; its steps are '
              'not run', file=sys.stderr)
    strategy = CONF.api.auth_strategy
    password = CONF.api.admin_password
    if strategy == auth.FACADE and not password:
        password = secrets.token_urlsafe(18)
        CONF.set_override('admin_password', password, group='api')
    CONF.set_default('live_migration_status_save_interval',
                     SERVE_SAVE_INTERVAL, group='libvirt')
    scenario_job.prepare_database()
    ctxt = nova_context.get_admin_context()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with placement.report_client(CONF) as client:
        served = ServedCloud(scenario, ctxt, client, speed=args.speed)
        try:
            url = served.start(args.bind, args.port)
            document = clouds_yaml(url, strategy, password)
            if document is not None:
                write_clouds_yaml(args.clouds_yaml, document)
                where = ' clouds.yaml=%s' % os.path.abspath(args.clouds_yaml)
            else:
                where = ''
            print('ready %s%s' % (url, where), flush=True)
            while not stop.wait(0.5):
                pass
            print('stopping', file=sys.stderr)
        finally:
            served.stop()
    return 0
