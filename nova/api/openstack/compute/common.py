"""Lookups and small helpers the compute handlers share."""

from oslo_utils import uuidutils

from nova.api.openstack import wsgi
from nova import exception
from nova import objects

#: Largest page a listing returns.
MAX_LIMIT = 1000


def get_instance(req, server_id):
    """The Instance ``server_id`` of the caller's project (or any, for an
    admin); 404 otherwise -- also for a name, which is how the clients
    look names up.
    """
    if not uuidutils.is_uuid_like(server_id):
        raise wsgi.not_found('Instance %s could not be found.' % server_id)
    try:
        instance = objects.Instance.get_by_uuid(req.context, server_id)
    except exception.InstanceNotFound:
        raise wsgi.not_found('Instance %s could not be found.' % server_id)
    if not req.context.is_admin and (
            instance.project_id != req.context.project_id):
        raise wsgi.not_found('Instance %s could not be found.' % server_id)
    return instance


def limit_param(req):
    text = req.GET.get('limit')
    if text is None:
        return MAX_LIMIT
    try:
        limit = int(text)
    except ValueError:
        limit = -1
    if not 0 <= limit <= MAX_LIMIT:
        raise wsgi.bad_request('limit must be an integer from 0 to %d, got '
                               '%r.' % (MAX_LIMIT, text))
    return limit


def page(items, req, key, collection, url):
    """Apply marker/limit; returns (items, links) Nova style."""
    marker = req.GET.get('marker')
    if marker is not None:
        keys = [key(i) for i in items]
        if marker not in keys:
            raise wsgi.bad_request('Marker %s could not be found.' % marker)
        items = items[keys.index(marker) + 1:]
    limit = limit_param(req)
    links = []
    if limit and len(items) > limit:
        items = items[:limit]
        links = [{'rel': 'next', 'href': '%s/v2.1/%s?limit=%d&marker=%s' % (
            req.host_url, url, limit, key(items[-1]))}]
    return items, links


def boolean_query(req, name):
    """A query flag such as all_tenants: present and not false."""
    value = req.GET.get(name)
    if value is None:
        return False
    return value.strip().lower() not in ('0', 'false', 'f', 'no', 'off')
