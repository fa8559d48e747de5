"""Image v2 routes: versions, create, show, list, PATCH, upload, delete.

Properties are top-level string keys of an image document, as in
Glance; they are validated by the project's validators when set, so
``openstack image create --property compute_live_migration_post_copy=ture``
is refused with 400 naming the key, the value and the rule.
"""

import hashlib

from nova.api.openstack.image import store as image_store
from nova.api.openstack import wsgi

VERSION_ID = 'v2.16'
PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
UPLOAD_CHUNK = 64 * 1024
MAX_LIMIT = 1000
INT32 = 2 ** 31 - 1

_CORE = {
    'name': {'type': ['string', 'null'], 'maxLength': 255},
    'id': {'type': 'string', 'format': 'uuid',
           'pattern': '^[0-9a-fA-F-]{36}$'},
    'visibility': {'enum': ['public', 'private', 'shared', 'community']},
    'protected': {'type': 'boolean'},
    'os_hidden': {'type': 'boolean'},
    'tags': {'type': 'array', 'maxItems': 128,
             'items': {'type': 'string', 'maxLength': 255}},
    'container_format': {'enum': [None, 'ami', 'ari', 'aki', 'bare', 'ovf',
                                  'ova', 'docker', 'compressed']},
    'disk_format': {'enum': [None, 'ami', 'ari', 'aki', 'vhd', 'vhdx',
                             'vmdk', 'raw', 'qcow2', 'vdi', 'iso',
                             'ploop']},
    'min_disk': {'type': 'integer', 'minimum': 0, 'maximum': INT32},
    'min_ram': {'type': 'integer', 'minimum': 0, 'maximum': INT32},
}
_PROPERTY = {'type': 'string', 'maxLength': 255}

CREATE_SCHEMA = {
    'type': 'object',
    'properties': _CORE,
    'propertyNames': {'minLength': 1, 'maxLength': 255},
    'additionalProperties': _PROPERTY,
    'maxProperties': 160,
}

PATCH_SCHEMA = {
    'type': 'array',
    'maxItems': 100,
    'items': {
        'type': 'object',
        'required': ['op', 'path'],
        'properties': {
            'op': {'enum': ['add', 'replace', 'remove']},
            'path': {'type': 'string', 'pattern': '^/[^/]+$',
                     'maxLength': 260},
        },
    },
}


def _pointer(path):
    """'/a~1b' -> 'a/b' (JSON pointer escapes)."""
    return path[1:].replace('~1', '/').replace('~0', '~')


def view(image, base):
    doc = {k: v for k, v in image.items() if k != 'properties'}
    doc.update(image['properties'])
    doc['self'] = '/v2/images/%s' % image['id']
    doc['file'] = '/v2/images/%s/file' % image['id']
    doc['schema'] = '/v2/schemas/image'
    return doc


def version_doc(base):
    return {'id': VERSION_ID, 'status': 'CURRENT',
            'links': [{'rel': 'self', 'href': base + '/image/v2/'}]}


def versions(req):
    return wsgi.json_response({'versions': [version_doc(req.host_url)]},
                              300)


class ImageAPI(object):

    def __init__(self, store, max_upload_bytes):
        self.store = store
        self.max_upload_bytes = max_upload_bytes
        self.router = wsgi.Router()
        r = self.router
        r.add('GET', '/v2', self.version)
        r.add('GET', '/v2/images', self.index)
        r.add('POST', '/v2/images', self.create)
        r.add('GET', '/v2/images/{image_id}', self.show)
        r.add('PATCH', '/v2/images/{image_id}', self.update)
        r.add('DELETE', '/v2/images/{image_id}', self.delete)
        r.add('PUT', '/v2/images/{image_id}/file', self.upload)

    def version(self, req):
        return wsgi.json_response({'version': version_doc(req.host_url)})

    def _visible(self, req, image):
        ctxt = req.context
        return (ctxt.is_admin or image['owner'] == ctxt.project_id or
                image['visibility'] in ('public', 'community'))

    def _get(self, req, image_id):
        image = self.store.get(image_id)
        if not self._visible(req, image):
            raise image_store.ImageNotFound(image_id=image_id)
        return image

    def _own(self, req, image_id):
        image = self._get(req, image_id)
        if not req.context.is_admin and (
                image['owner'] != req.context.project_id):
            raise wsgi.HTTPError(403, 'Image %s belongs to another project.'
                                 % image_id)
        return image

    def show(self, req, image_id):
        req.authorize('image:read')
        return wsgi.json_response(view(self._get(req, image_id),
                                       req.host_url))

    def index(self, req):
        req.authorize('image:read')
        images = [i for i in self.store.list() if self._visible(req, i)]
        params = req.GET
        for key in ('name', 'status', 'visibility', 'owner', 'disk_format',
                    'container_format'):
            if key in params:
                images = [i for i in images if str(i.get(key)) ==
                          params[key]]
        if 'id' in params:
            wanted = params['id']
            ids = (wanted[3:].split(',') if wanted.startswith('in:')
                   else [wanted])
            images = [i for i in images if i['id'] in ids]
        images.sort(key=lambda i: (i['created_at'], i['id']), reverse=True)
        if 'marker' in params:
            ids = [i['id'] for i in images]
            if params['marker'] not in ids:
                raise wsgi.bad_request('marker %s is not an image ID in '
                                       'this listing.' % params['marker'])
            images = images[ids.index(params['marker']) + 1:]
        limit = _limit(params.get('limit'))
        body = {'images': [view(i, req.host_url) for i in images[:limit]],
                'first': '/v2/images', 'schema': '/v2/schemas/images'}
        if len(images) > limit:
            body['next'] = '/v2/images?marker=%s&limit=%d' % (
                images[limit - 1]['id'], limit)
        return wsgi.json_response(body)

    def create(self, req):
        req.authorize('image:write')
        body = req.body_for(CREATE_SCHEMA)
        _refuse_read_only([key for key in body if key != 'id'])
        core = {k: body[k] for k in image_store.WRITABLE if k in body}
        props = {k: v for k, v in body.items() if k not in _CORE}
        image = self.store.create(req.context.project_id, core, props,
                                  image_id=body.get('id'))
        resp = wsgi.json_response(view(image, req.host_url), 201)
        resp.headers['Location'] = '%s/image/v2/images/%s' % (
            req.host_url, image['id'])
        return resp

    def update(self, req, image_id):
        req.authorize('image:write')
        if req.content_type != PATCH_TYPE:
            raise wsgi.HTTPError(415, 'PATCH needs Content-Type %s.'
                                 % PATCH_TYPE)
        ops = req.body_for(PATCH_SCHEMA)
        self._own(req, image_id)
        core, props, removed = {}, {}, []
        for op in ops:
            key = _pointer(op['path'])
            _refuse_read_only({key: None})
            if op['op'] == 'remove':
                if key in _CORE:
                    raise wsgi.HTTPError(403, 'Core attribute %s cannot be '
                                         'removed.' % key)
                removed.append(key)
                props.pop(key, None)
                continue
            if 'value' not in op:
                raise wsgi.bad_request('Operation %s on %s needs a value.'
                                       % (op['op'], op['path']))
            schema = _CORE.get(key, _PROPERTY)
            wsgi.validate({'type': 'object', 'properties': {key: schema}},
                          {key: op['value']})
            if key in _CORE:
                core[key] = op['value']
            else:
                props[key] = op['value']
                if key in removed:
                    removed.remove(key)
        image = self.store.update(image_id, core, props, removed)
        return wsgi.json_response(view(image, req.host_url))

    def delete(self, req, image_id):
        req.authorize('image:write')
        self._own(req, image_id)
        self.store.delete(image_id)
        return wsgi.empty(204)

    def upload(self, req, image_id):
        req.authorize('image:write')
        image = self._own(req, image_id)
        if image['status'] != 'queued':
            raise image_store.ImageConflict(
                reason='Image %s is %s; data can only be uploaded to a '
                       'queued image.' % (image_id, image['status']))
        size, md5, sha512 = self._consume(req)
        self.store.uploaded(image_id, size, md5, sha512)
        return wsgi.empty(204)

    def _consume(self, req):
        """Read the body (chunked or sized), bounded; returns hashes."""
        stream = req.environ['wsgi.input']
        remaining = req.content_length
        md5, sha512 = hashlib.md5(usedforsecurity=False), hashlib.sha512()
        size = 0
        while remaining is None or remaining > 0:
            want = UPLOAD_CHUNK if remaining is None else min(
                UPLOAD_CHUNK, remaining)
            chunk = stream.read(want)
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_upload_bytes:
                raise wsgi.HTTPError(
                    413, 'The image is larger than the %d bytes accepted '
                         '([api] max_image_upload_bytes).'
                         % self.max_upload_bytes)
            md5.update(chunk)
            sha512.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
        return size, md5.hexdigest(), sha512.hexdigest()


def _refuse_read_only(body):
    for key in body:
        if key in image_store.READ_ONLY:
            raise wsgi.HTTPError(403, "Attribute '%s' is read-only." % key)


def _limit(text):
    if text is None:
        return MAX_LIMIT
    try:
        limit = int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise wsgi.bad_request('limit must be an integer from 1 to %d, got '
                               '%r.' % (MAX_LIMIT, text))
    return limit
