"""os-services: list, disable/enable (with a reason), forced_down.

A disabled compute service gets no new instance and no incoming move;
its instances stay.  ``forced_down: true`` states that the host is
fenced: the service counts as down, so its instances can be evacuated.
Setting it back to false runs the host's start-up clean-up (guests that
were evacuated meanwhile are destroyed there) when its service runs.
Only nova-compute services can be changed.
"""

from nova.api.openstack import wsgi
from nova.compute import service_status

_REASON = {'type': 'string', 'minLength': 1, 'maxLength': 255}

UPDATE_SCHEMA = {
    'type': 'object',
    'minProperties': 1,
    'additionalProperties': False,
    'properties': {
        'status': {'enum': ['enabled', 'disabled']},
        'disabled_reason': _REASON,
        'forced_down': {'type': 'boolean'},
    },
}


def _legacy_schema(extra=None):
    props = {'host': {'type': 'string', 'minLength': 1, 'maxLength': 255},
             'binary': {'type': 'string', 'minLength': 1,
                        'maxLength': 255}}
    props.update(extra or {})
    return {'type': 'object', 'required': sorted(props),
            'additionalProperties': False, 'properties': props}


class ServicesAPI(object):

    def __init__(self, backend):
        self.backend = backend

    def routes(self, router):
        router.add('GET', '/os-services', self.index)
        router.add('PUT', '/os-services/{service_id}', self.update, '2.53')
        for action in ('enable', 'disable', 'disable-log-reason',
                       'force-down'):
            router.add('PUT', '/os-services/%s' % action,
                       getattr(self, 'legacy_' + action.replace('-', '_')),
                       max_version='2.52')

    def _view(self, req, record, index):
        doc = {
            'id': record.uuid if req.at_least('2.53') else index,
            'binary': record.binary,
            'host': record.host,
            'zone': ('nova' if record.binary == service_status.COMPUTE
                     else 'internal'),
            'status': 'disabled' if record.disabled else 'enabled',
            'state': 'up' if self.backend.service_is_up(record) else 'down',
            'updated_at': (record.updated_at.strftime(
                '%Y-%m-%dT%H:%M:%S.%f') if record.updated_at else None),
            'disabled_reason': record.disabled_reason,
        }
        if req.at_least('2.11'):
            doc['forced_down'] = record.forced_down
        return doc

    def _records(self):
        return sorted(self.backend.services.list(),
                      key=lambda r: (r.binary, r.host))

    def _index_of(self, record):
        ids = [r.uuid for r in self._records()]
        return ids.index(record.uuid) + 1

    def index(self, req):
        req.authorize('compute:services:index')
        records = self._records()
        docs = []
        for index, record in enumerate(records, 1):
            if req.GET.get('binary') not in (None, record.binary):
                continue
            if req.GET.get('host') not in (None, record.host):
                continue
            docs.append(self._view(req, record, index))
        return wsgi.json_response({'services': docs})

    def update(self, req, service_id):
        req.authorize('compute:services:update')
        body = req.body_for(UPDATE_SCHEMA)
        record = self.backend.services.get(service_id)
        if record is None:
            raise wsgi.not_found('Service %s could not be found.'
                                 % service_id)
        if 'disabled_reason' in body and body.get('status') != 'disabled':
            raise wsgi.bad_request('disabled_reason can only be given with '
                                   'status "disabled".')
        changes = {}
        if 'status' in body:
            changes['disabled'] = body['status'] == 'disabled'
            changes['disabled_reason'] = body.get('disabled_reason')
        if 'forced_down' in body:
            changes['forced_down'] = body['forced_down']
        record = self._change(record, changes)
        return wsgi.json_response({'service': self._view(
            req, record, self._index_of(record))})

    def _change(self, record, changes):
        if record.binary != service_status.COMPUTE:
            raise wsgi.bad_request(
                'Updating a %s service is not supported: only nova-compute '
                'services can be changed.' % record.binary)
        return self.backend.update_service(record, changes)

    def _legacy(self, req, schema, changes):
        req.authorize('compute:services:update')
        body = req.body_for(schema)
        record = None
        for candidate in self.backend.services.list():
            if (candidate.host, candidate.binary) == (body['host'],
                                                      body['binary']):
                record = candidate
        if record is None:
            raise wsgi.not_found('Service %s on host %s could not be '
                                 'found.' % (body['binary'], body['host']))
        record = self._change(record, changes(body))
        doc = {'host': record.host, 'binary': record.binary}
        if 'forced_down' in changes(body):
            doc['forced_down'] = record.forced_down
        else:
            doc['status'] = 'disabled' if record.disabled else 'enabled'
            if record.disabled_reason:
                doc['disabled_reason'] = record.disabled_reason
        return wsgi.json_response({'service': doc})

    def legacy_enable(self, req):
        return self._legacy(req, _legacy_schema(), lambda body: {
            'disabled': False, 'disabled_reason': None})

    def legacy_disable(self, req):
        return self._legacy(req, _legacy_schema(), lambda body: {
            'disabled': True, 'disabled_reason': None})

    def legacy_disable_log_reason(self, req):
        return self._legacy(
            req, _legacy_schema({'disabled_reason': _REASON}),
            lambda body: {'disabled': True,
                          'disabled_reason': body['disabled_reason']})

    def legacy_force_down(self, req):
        if not req.at_least('2.11'):
            raise wsgi.not_found('force-down needs microversion 2.11 or '
                                 'later.')
        return self._legacy(
            req, _legacy_schema({'forced_down': {'type': 'boolean'}}),
            lambda body: {'forced_down': body['forced_down']})
