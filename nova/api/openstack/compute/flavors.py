"""Flavors and their extra specs.

Extra specs are validated when they are set: a bad value is answered 400
naming the key, the value and the rule, and so is a set that the
migration-policy resolver refuses (auto-converge and post-copy both
true, post-copy with vPMEM).
"""

from nova.api.openstack.compute import flavor_store
from nova.api.openstack.compute import views
from nova.api.openstack import wsgi

#: Bounds of a flavor's sizes: beyond them a flavor fits no host anyway.
MAX_RAM_MB = 16 * 1024 * 1024
MAX_VCPUS = 4096
MAX_DISK_GB = 1024 * 1024
MAX_SWAP_MB = 16 * 1024 * 1024

_ID_PATTERN = r'^(?! )[a-zA-Z0-9. _-]+(?<! )$'
_KEY = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'pattern': r'^[a-zA-Z0-9-_:. /]+$'}
_VALUE = {'oneOf': [{'type': 'string', 'maxLength': 255},
                    {'type': 'integer'}, {'type': 'boolean'}]}


def _int(low, high):
    return {'type': 'integer', 'minimum': low, 'maximum': high}


CREATE_SCHEMA = {
    'type': 'object',
    'required': ['flavor'],
    'additionalProperties': False,
    'properties': {'flavor': {
        'type': 'object',
        'required': ['name', 'ram', 'vcpus', 'disk'],
        'additionalProperties': False,
        'properties': {
            'name': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                     'pattern': r'^(?! ).*(?<! )$'},
            'id': {'oneOf': [{'type': 'string', 'minLength': 1,
                              'maxLength': 255, 'pattern': _ID_PATTERN},
                             {'type': 'null'}]},
            'ram': _int(1, MAX_RAM_MB),
            'vcpus': _int(1, MAX_VCPUS),
            'disk': _int(0, MAX_DISK_GB),
            'OS-FLV-EXT-DATA:ephemeral': _int(0, MAX_DISK_GB),
            'swap': _int(0, MAX_SWAP_MB),
            'rxtx_factor': {'type': 'number', 'exclusiveMinimum': 0,
                            'maximum': 3.40282e+38},
            'os-flavor-access:is_public': {'type': 'boolean'},
            'description': {'type': ['string', 'null'],
                            'maxLength': 65535},
        },
    }},
}

EXTRA_SPECS_SCHEMA = {
    'type': 'object',
    'required': ['extra_specs'],
    'additionalProperties': False,
    'properties': {'extra_specs': {
        'type': 'object', 'minProperties': 1, 'maxProperties': 100,
        'propertyNames': _KEY, 'additionalProperties': _VALUE}},
}

ONE_SPEC_SCHEMA = {
    'type': 'object', 'minProperties': 1, 'maxProperties': 1,
    'propertyNames': _KEY, 'additionalProperties': _VALUE,
}


def _is_public(text):
    """The is_public filter: True (default), False, or None for all."""
    if text is None:
        return True
    lowered = text.strip().lower()
    if lowered in ('none', 'all'):
        return None
    if lowered in ('true', 't', '1', 'yes', 'y', 'on'):
        return True
    if lowered in ('false', 'f', '0', 'no', 'n', 'off'):
        return False
    raise wsgi.bad_request('is_public must be true, false or none, got %r.'
                           % text)


def _text(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


class FlavorsAPI(object):

    def __init__(self, store):
        self.store = store

    def routes(self, router):
        router.add('GET', '/flavors', self.index)
        router.add('GET', '/flavors/detail', self.detail)
        router.add('POST', '/flavors', self.create)
        router.add('GET', '/flavors/{flavor_id}', self.show)
        router.add('DELETE', '/flavors/{flavor_id}', self.delete)
        base = '/flavors/{flavor_id}/os-extra_specs'
        router.add('GET', base, self.specs_index)
        router.add('POST', base, self.specs_create)
        router.add('GET', base + '/{key}', self.spec_show)
        router.add('PUT', base + '/{key}', self.spec_update)
        router.add('DELETE', base + '/{key}', self.spec_delete)

    def _listed(self, req):
        entries = self.store.list()
        wanted = _is_public(req.GET.get('is_public'))
        if not req.context.is_admin:
            wanted = True
        if wanted is not None:
            entries = [e for e in entries if e.is_public == wanted]
        for key, attr in (('minRam', 'memory_mb'), ('minDisk', 'root_gb')):
            if key in req.GET:
                try:
                    low = int(req.GET[key])
                except ValueError:
                    raise wsgi.bad_request('%s must be an integer, got %r.'
                                           % (key, req.GET[key]))
                entries = [e for e in entries
                           if getattr(e.flavor, attr) >= low]
        entries.sort(key=lambda e: e.flavor.flavorid)
        return entries

    def index(self, req):
        req.authorize('compute:flavors:index')
        return wsgi.json_response({'flavors': [
            views.flavor_brief(req, e) for e in self._listed(req)]})

    def detail(self, req):
        req.authorize('compute:flavors:index')
        return wsgi.json_response({'flavors': [
            views.flavor(req, e) for e in self._listed(req)]})

    def show(self, req, flavor_id):
        req.authorize('compute:flavors:index')
        return wsgi.json_response(
            {'flavor': views.flavor(req, self.store.get(flavor_id))})

    def create(self, req):
        req.authorize('compute:flavors:manage')
        body = req.body_for(CREATE_SCHEMA)['flavor']
        if 'description' in body and not req.at_least('2.55'):
            raise wsgi.bad_request('description needs microversion 2.55 or '
                                   'later.')
        entry = self.store.create(
            name=body['name'], vcpus=body['vcpus'], memory_mb=body['ram'],
            root_gb=body['disk'],
            ephemeral_gb=body.get('OS-FLV-EXT-DATA:ephemeral', 0),
            swap=body.get('swap', 0), flavorid=body.get('id'),
            is_public=body.get('os-flavor-access:is_public', True),
            description=body.get('description'))
        return wsgi.json_response({'flavor': views.flavor(req, entry)})

    def delete(self, req, flavor_id):
        req.authorize('compute:flavors:manage')
        self.store.delete(flavor_id)
        return wsgi.empty(202)

    # -- extra specs --------------------------------------------------------

    def specs_index(self, req, flavor_id):
        req.authorize('compute:flavor_extra_specs:index')
        return wsgi.json_response(
            {'extra_specs': dict(self.store.get(flavor_id).flavor
                                 .extra_specs)})

    def specs_create(self, req, flavor_id):
        req.authorize('compute:flavor_extra_specs:update')
        specs = {k: _text(v) for k, v in
                 req.body_for(EXTRA_SPECS_SCHEMA)['extra_specs'].items()}
        self.store.update_extra_specs(flavor_id, specs)
        return wsgi.json_response({'extra_specs': specs})

    def spec_show(self, req, flavor_id, key):
        req.authorize('compute:flavor_extra_specs:index')
        specs = self.store.get(flavor_id).flavor.extra_specs
        if key not in specs:
            raise flavor_store.ExtraSpecNotFound(flavor_id=flavor_id,
                                                 key=key)
        return wsgi.json_response({key: specs[key]})

    def spec_update(self, req, flavor_id, key):
        req.authorize('compute:flavor_extra_specs:update')
        body = req.body_for(ONE_SPEC_SCHEMA)
        if key not in body:
            raise wsgi.bad_request('The request body must set the key of '
                                   'the URL, %s; it sets %s.' % (
                                       key, ', '.join(sorted(body))))
        value = _text(body[key])
        self.store.update_extra_specs(flavor_id, {key: value})
        return wsgi.json_response({key: value})

    def spec_delete(self, req, flavor_id, key):
        req.authorize('compute:flavor_extra_specs:update')
        self.store.update_extra_specs(flavor_id, {}, removed=[key])
        return wsgi.empty(200)
