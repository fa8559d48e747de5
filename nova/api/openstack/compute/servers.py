"""Servers: create (without networking), list, show, delete.

A server is booted with the compute API's ``create``: a flavor and an
image that clash (or break a validator) are refused with 400 before
anything is created.  ``show`` adds, for administrators, the host and
its status, and for everyone the live-migration policy in effect
(extension field ``OS-EXT-LM:migration_policy``).
"""

import re

from nova.api.openstack.compute import common
from nova.api.openstack.compute import flavor_store
from nova.api.openstack.compute import views
from nova.api.openstack.image import store as image_store
from nova.api.openstack import wsgi
from nova import objects

CREATE_SCHEMA = {
    'type': 'object',
    'required': ['server'],
    'additionalProperties': False,
    'properties': {'server': {
        'type': 'object',
        'required': ['name', 'flavorRef', 'imageRef'],
        'additionalProperties': False,
        'properties': {
            'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'imageRef': {'type': 'string', 'maxLength': 255},
            'flavorRef': {'type': ['string', 'integer'], 'minLength': 1,
                          'maxLength': 255},
            'networks': {'oneOf': [{'enum': ['none', 'auto']},
                                   {'type': 'array'}]},
            'min_count': {'type': ['integer', 'string'], 'enum': [1, '1']},
            'max_count': {'type': ['integer', 'string'], 'enum': [1, '1']},
            'availability_zone': {'type': 'string', 'maxLength': 255},
            'host': {'type': 'string', 'minLength': 1, 'maxLength': 255},
            'description': {'type': ['string', 'null'], 'maxLength': 255},
            'block_device_mapping_v2': {
                'type': 'array', 'maxItems': 1,
                'items': {
                    'type': 'object',
                    'properties': {
                        'source_type': {'const': 'image'},
                        'destination_type': {'const': 'local'},
                        'boot_index': {'enum': [0, '0']},
                    },
                },
            },
        },
    }},
}


class ServersAPI(object):

    def __init__(self, backend):
        self.backend = backend

    def routes(self, router):
        router.add('GET', '/servers', self.index)
        router.add('GET', '/servers/detail', self.detail)
        router.add('POST', '/servers', self.create)
        router.add('GET', '/servers/{server_id}', self.show)
        router.add('DELETE', '/servers/{server_id}', self.delete)

    # -- reading ----------------------------------------------------------

    def _view(self, req, instance, detail=True):
        see_host = req.context.is_admin and self.backend.enforcer.allowed(
            'compute:servers:show:host', req.context)
        host_status = (self.backend.host_status(instance.host)
                       if see_host else None)
        policy = self.backend.migration_policy(instance) if detail else None
        return views.server(req, instance, host_status=host_status,
                            policy=policy, see_host=see_host)

    def _listed(self, req):
        instances = objects.Instance.get_all(req.context)
        if not (common.boolean_query(req, 'all_tenants') and
                self.backend.enforcer.allowed(
                    'compute:servers:index:all_tenants', req.context)):
            instances = [i for i in instances
                         if i.project_id == req.context.project_id]
        if 'name' in req.GET:
            try:
                pattern = re.compile(req.GET['name'])
            except re.error as exc:
                raise wsgi.bad_request('name is not a valid regular '
                                       'expression: %s' % exc)
            instances = [i for i in instances
                         if pattern.search(i.display_name or '')]
        if 'status' in req.GET:
            wanted = req.GET['status'].upper()
            instances = [i for i in instances
                         if views.server_status(i) == wanted]
        if 'host' in req.GET and req.context.is_admin:
            instances = [i for i in instances if i.host == req.GET['host']]
        instances.reverse()
        return common.page(instances, req, lambda i: i.uuid, 'servers',
                           'servers')

    def index(self, req):
        req.authorize('compute:servers:index')
        instances, links = self._listed(req)
        body = {'servers': [views.server_brief(req, i) for i in instances]}
        if links:
            body['servers_links'] = links
        return wsgi.json_response(body)

    def detail(self, req):
        req.authorize('compute:servers:index')
        instances, links = self._listed(req)
        body = {'servers': [self._view(req, i) for i in instances]}
        if links:
            body['servers_links'] = links
        return wsgi.json_response(body)

    def show(self, req, server_id):
        req.authorize('compute:servers:show')
        instance = common.get_instance(req, server_id)
        return wsgi.json_response({'server': self._view(req, instance)})

    # -- writing ----------------------------------------------------------

    def create(self, req):
        req.authorize('compute:servers:create')
        body = req.body_for(CREATE_SCHEMA)['server']
        networks = body.get('networks')
        if networks is None and req.at_least('2.37'):
            raise wsgi.bad_request(
                'networks is required from microversion 2.37: give "none" '
                '(openstack server create --no-network).')
        if networks not in (None, 'none'):
            raise wsgi.bad_request(
                'networks %r cannot be served: this cloud has no network '
                'service. Create the server with networks "none" '
                '(openstack server create --no-network).' % (networks,))
        host = self._requested_host(req, body)
        try:
            entry = self.backend.flavors.get(str(body['flavorRef']))
        except flavor_store.FlavorNotFound as exc:
            raise wsgi.bad_request(str(exc))
        image = self._image(req, body['imageRef'])
        instance = self.backend.api.create(
            req.context, entry.flavor, {
                'id': image['id'], 'name': image['name'],
                'properties': image['properties']},
            display_name=body['name'], host=host)
        doc = views.server_brief(req, instance)
        doc['OS-DCF:diskConfig'] = 'MANUAL'
        del doc['name']
        return wsgi.json_response({'server': doc}, 202)

    @staticmethod
    def _requested_host(req, body):
        host = body.get('host')
        if host is not None and not req.at_least('2.74'):
            raise wsgi.bad_request('host needs microversion 2.74 or later.')
        zone = body.get('availability_zone')
        if zone:
            name, _sep, zone_host = zone.partition(':')
            if name not in ('nova', ''):
                raise wsgi.bad_request(
                    'Availability zone %s does not exist: this cloud has '
                    'one zone, nova.' % name)
            host = host or zone_host.split(':')[0] or None
        if host is not None:
            req.authorize('compute:servers:create:forced_host')
        return host

    def _image(self, req, image_ref):
        try:
            image = self.backend.images.get(image_ref)
        except image_store.ImageNotFound:
            image = None
        if image is None or not (
                req.context.is_admin or
                image['owner'] == req.context.project_id or
                image['visibility'] in ('public', 'community')):
            raise wsgi.bad_request('Image %s could not be found.'
                                   % image_ref)
        if image['status'] != 'active':
            raise wsgi.bad_request('Image %s is not active (it is %s): '
                                   'upload its data first.' % (
                                       image_ref, image['status']))
        return image

    def delete(self, req, server_id):
        req.authorize('compute:servers:delete')
        instance = common.get_instance(req, server_id)
        self.backend.api.delete(req.context, instance)
        return wsgi.empty(204)
