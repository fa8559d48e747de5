"""POST /servers/{id}/action: os-migrateLive and evacuate.

``os-migrateLive`` answers 202 once the migration was accepted (the
compare-and-swap on the task state, the conductor's pre-checks, the
destination claim and the start on the source); it then runs in the
background and ``GET /servers/{id}/migrations`` follows it.  A refusal
before that is answered with its status: 409 for a busy server or a
lost race, 400 for a pre-check or no valid host.

``block_migration: "auto"`` means a migration without copying disks:
the embedded cloud's hosts share instance storage, as the scenario's
moves assume.  The extension field ``OS-EXT-LM:purpose`` (every
microversion; ``evacuate-host``, ``maintenance`` -- the default --,
``rebalance``) is recorded on the migration; another value is 400 naming
the field, the value and the allowed values.
"""

from oslo_utils import uuidutils

import nova.conf
from nova.api.openstack.compute import common
from nova.api.openstack.compute import views
from nova.api.openstack import wsgi
from nova.objects import fields

CONF = nova.conf.CONF
PURPOSE_FIELD = views.PURPOSE_FIELD
_HOST = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255}
_BOOL = {'type': 'boolean'}


def live_migrate_schema(req):
    # Any value for the purpose: fields.validate_migration_purpose, the
    # one check of a purpose, says what is wrong with it.
    props = {'host': _HOST, PURPOSE_FIELD: {}}
    required = ['block_migration', 'host']
    if req.at_least('2.25'):
        props['block_migration'] = {'oneOf': [_BOOL, {'const': 'auto'}]}
    else:
        props['block_migration'] = _BOOL
        props['disk_over_commit'] = _BOOL
        required.append('disk_over_commit')
    if req.at_least('2.30') and not req.at_least('2.68'):
        props['force'] = _BOOL
    return _action_schema('os-migrateLive', required, props)


def evacuate_schema(req):
    props = {'host': {'type': 'string', 'minLength': 1, 'maxLength': 255},
             'adminPass': {'type': 'string', 'maxLength': 255}}
    required = []
    if not req.at_least('2.14'):
        props['onSharedStorage'] = _BOOL
        required.append('onSharedStorage')
    if req.at_least('2.29') and not req.at_least('2.68'):
        props['force'] = _BOOL
    return _action_schema('evacuate', required, props)


def _action_schema(name, required, props):
    """The body {name: {...}} of a server action, nothing else allowed."""
    return {'type': 'object', 'required': [name],
            'properties': {name: {
                'type': 'object', 'required': required,
                'additionalProperties': False, 'properties': props}}}


class ServerActionsAPI(object):

    def __init__(self, backend):
        self.backend = backend
        self.actions = {'os-migrateLive': self.live_migrate,
                        'evacuate': self.evacuate}

    def routes(self, router):
        router.add('POST', '/servers/{server_id}/action', self.action)

    def action(self, req, server_id):
        body = req.json_body()
        if not isinstance(body, dict) or len(body) != 1:
            raise wsgi.bad_request('An action body has exactly one key, the '
                                   'action.')
        name = next(iter(body))
        handler = self.actions.get(name)
        if handler is None:
            raise wsgi.bad_request(
                'Action %s is not supported by this API; supported: %s.'
                % (name, ', '.join(sorted(self.actions))))
        return handler(req, server_id)

    def _check_host(self, host, code):
        if host is not None and host not in self.backend.hosts():
            raise wsgi.HTTPError(code, 'Compute host %s could not be found.'
                                 % host)

    def live_migrate(self, req, server_id):
        req.authorize('compute:servers:migrate_live')
        body = req.body_for(live_migrate_schema(req))['os-migrateLive']
        purpose = fields.validate_migration_purpose(body.get(PURPOSE_FIELD),
                                                    PURPOSE_FIELD)
        instance = common.get_instance(req, server_id)
        host = body.get('host')
        force = body.get('force', False)
        if force and host is None:
            raise wsgi.bad_request("Can't force to a non-provided "
                                   "destination: force needs a host.")
        self._check_host(host, 400)
        block = body['block_migration']
        self.backend.api.live_migrate_async(
            req.context, instance, host=host,
            block_migration=block is True, force=force,
            accept_timeout=CONF.api.live_migration_accept_timeout,
            purpose=purpose)
        return wsgi.empty(202)

    def evacuate(self, req, server_id):
        req.authorize('compute:servers:evacuate')
        body = req.body_for(evacuate_schema(req))['evacuate']
        instance = common.get_instance(req, server_id)
        if body.get('force'):
            raise wsgi.bad_request(
                'force is not supported on evacuate here: the scheduler '
                'always checks the host. Leave force out.')
        host = body.get('host')
        self._check_host(host, 404)
        self.backend.api.evacuate(req.context, instance, host=host)
        if req.at_least('2.14'):
            return wsgi.empty(200)
        return wsgi.json_response({'adminPass': body.get(
            'adminPass') or uuidutils.generate_uuid()[:12]})
