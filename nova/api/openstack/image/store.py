"""Image records of the image subset, kept in the API process.

An image is Glance-shaped: a few core fields and free-form string
properties.  Properties are validated with the project's validators
when they are set (each key and value, then the whole set by the
migration-policy resolver), so an image never carries a value that
would only be refused at boot.  Uploaded data is measured and hashed,
not kept: simulated hypervisors do not boot it.
"""

import copy
import threading

from oslo_utils import timeutils
from oslo_utils import uuidutils

from nova.api.validation.extra_specs import validators
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


class ImageStore(object):

    def __init__(self):
        self._images = {}
        self._lock = threading.Lock()

    def create(self, owner, core, properties, image_id=None):
        """Add a queued image; returns its record (a copy)."""
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
        with self._lock:
            if image['id'] in self._images:
                raise ImageConflict(reason='Image ID %s already exists.'
                                    % image['id'])
            self._images[image['id']] = image
            return copy.deepcopy(image)

    def get(self, image_id):
        with self._lock:
            image = self._images.get(image_id)
            if image is None:
                raise ImageNotFound(image_id=image_id)
            return copy.deepcopy(image)

    def list(self):
        with self._lock:
            return [copy.deepcopy(i) for i in self._images.values()]

    def update(self, image_id, core, properties, removed=()):
        """Change core fields and properties atomically; returns the
        image.  Nothing changes when the result is refused.
        """
        with self._lock:
            image = self._images.get(image_id)
            if image is None:
                raise ImageNotFound(image_id=image_id)
            props = dict(image['properties'])
            for key in removed:
                props.pop(key, None)
            props.update(properties)
            check_properties(props)
            image.update(core)
            image['properties'] = props
            image['updated_at'] = _now()
            return copy.deepcopy(image)

    def uploaded(self, image_id, size, md5, sha512):
        """Record an upload; only a queued image takes data."""
        with self._lock:
            image = self._images.get(image_id)
            if image is None:
                raise ImageNotFound(image_id=image_id)
            if image['status'] != 'queued':
                raise ImageConflict(
                    reason='Image %s is %s; data can only be uploaded to a '
                           'queued image.' % (image_id, image['status']))
            image.update(status='active', size=size, virtual_size=size,
                         checksum=md5, os_hash_algo='sha512',
                         os_hash_value=sha512, updated_at=_now())
            return copy.deepcopy(image)

    def delete(self, image_id):
        with self._lock:
            image = self._images.get(image_id)
            if image is None:
                raise ImageNotFound(image_id=image_id)
            if image['protected']:
                raise ImageForbidden(reason='Image %s is protected and '
                                     'cannot be deleted.' % image_id)
            del self._images[image_id]
