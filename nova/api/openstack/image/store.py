"""Image records of the image subset, in the database (``images``).

An image is Glance-shaped: a few core fields and free-form string
properties, stored as one JSON document per image, so that every API
worker and an API restarted see the same images.  Properties are
validated with the project's validators when they are set (each key and
value, then the whole set by the migration-policy resolver), so an image
never carries a value that would only be refused at boot.  A change
locks the image's row.  Uploaded data is measured and hashed, not kept:
simulated hypervisors do not boot it.
"""

from oslo_db import exception as db_exc
from oslo_serialization import jsonutils
from oslo_utils import timeutils
from oslo_utils import uuidutils

from nova.api.validation.extra_specs import validators
from nova import context as nova_context
from nova.db import api as db
from nova import exception
from nova import objects
from nova.virt import migration_policy

#: Core fields a user may set; everything else that is not read-only is a
#: property.
WRITABLE = ('name', 'visibility', 'protected', 'tags', 'container_format',
            'disk_format', 'min_disk', 'min_ram', 'os_hidden')
READ_ONLY = ('id', 'status', 'size', 'virtual_size', 'checksum',
             'os_hash_algo', 'os_hash_value', 'owner', 'created_at',
             'updated_at', 'file', 'self', 'schema', 'direct_url',
             'locations', 'stores')


class ImageNotFound(exception.NovaException):
    msg_fmt = 'Image %(image_id)s could not be found.'
    code = 404


class ImageConflict(exception.NovaException):
    msg_fmt = '%(reason)s'
    code = 409


class ImageForbidden(exception.NovaException):
    msg_fmt = '%(reason)s'
    code = 403


def check_properties(properties):
    """Raise a typed Invalid error naming the key, value and rule."""
    validators.validate_image_properties(properties)
    migration_policy.requested_features(
        None, objects.ImageMeta.from_dict({'properties': properties}))


def _now():
    return timeutils.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ')


def _document(row):
    return jsonutils.loads(row['document'])


class ImageStore(object):

    @staticmethod
    def _ctxt():
        # A context per call: a transaction belongs to its context, and
        # the API's request threads share the store.
        return nova_context.get_admin_context()

    def create(self, owner, core, properties, image_id=None):
        """Add a queued image; returns its record."""
        check_properties(properties)
        now = _now()
        image = {
            'id': image_id or uuidutils.generate_uuid(),
            'name': None, 'status': 'queued', 'visibility': 'shared',
            'protected': False, 'tags': [], 'container_format': None,
            'disk_format': None, 'min_disk': 0, 'min_ram': 0,
            'os_hidden': False, 'size': None, 'virtual_size': None,
            'checksum': None, 'os_hash_algo': None, 'os_hash_value': None,
            'owner': owner, 'created_at': now, 'updated_at': now,
            'properties': dict(properties),
        }
        image.update(core)
        ctxt = self._ctxt()
        conflict = ImageConflict(reason='Image ID %s already exists.'
                                 % image['id'])
        try:
            with db.writer(ctxt):
                if db.image_get(ctxt, image['id']) is not None:
                    raise conflict
                db.image_create(ctxt, image['id'], jsonutils.dumps(image))
        except db_exc.DBDuplicateEntry:
            raise conflict
        return image

    def get(self, image_id):
        row = db.image_get(self._ctxt(), image_id)
        if row is None:
            raise ImageNotFound(image_id=image_id)
        return _document(row)

    def list(self):
        """Every image, oldest first."""
        return [_document(row) for row in db.image_get_all(self._ctxt())]

    def _change(self, image_id, change):
        """Apply ``change(image)`` to the stored image with its row
        locked and return the result; nothing is written when it raises.
        """
        ctxt = self._ctxt()
        with db.writer(ctxt):
            row = db.image_get(ctxt, image_id, for_update=True)
            if row is None:
                raise ImageNotFound(image_id=image_id)
            image = _document(row)
            change(image)
            db.image_update(ctxt, image_id, jsonutils.dumps(image))
            return image

    def update(self, image_id, core, properties, removed=()):
        """Change core fields and properties atomically; returns the
        image.  Nothing changes when the result is refused.
        """
        def change(image):
            props = dict(image['properties'])
            for key in removed:
                props.pop(key, None)
            props.update(properties)
            check_properties(props)
            image.update(core)
            image['properties'] = props
            image['updated_at'] = _now()
        return self._change(image_id, change)

    def uploaded(self, image_id, size, md5, sha512):
        """Record an upload; only a queued image takes data."""
        def change(image):
            if image['status'] != 'queued':
                raise ImageConflict(
                    reason='Image %s is %s; data can only be uploaded to a '
                           'queued image.' % (image_id, image['status']))
            image.update(status='active', size=size, virtual_size=size,
                         checksum=md5, os_hash_algo='sha512',
                         os_hash_value=sha512, updated_at=_now())
        return self._change(image_id, change)

    def delete(self, image_id):
        ctxt = self._ctxt()
        with db.writer(ctxt):
            row = db.image_get(ctxt, image_id, for_update=True)
            if row is None:
                raise ImageNotFound(image_id=image_id)
            if _document(row)['protected']:
                raise ImageForbidden(reason='Image %s is protected and '
                                     'cannot be deleted.' % image_id)
            db.image_destroy(ctxt, image_id)
