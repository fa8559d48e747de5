"""Documents of servers, flavors and migrations, by microversion."""

import hashlib

from nova.objects import fields

#: Nova's server status for a vm_state (task states come first).
_STATUS = {
    fields.VMState.ACTIVE: 'ACTIVE',
    fields.VMState.BUILDING: 'BUILD',
    fields.VMState.PAUSED: 'PAUSED',
    fields.VMState.STOPPED: 'SHUTOFF',
    fields.VMState.ERROR: 'ERROR',
}
_TASK_STATUS = {
    fields.TaskState.MIGRATING: 'MIGRATING',
    fields.TaskState.REBUILDING: 'REBUILD',
}
#: Nova's power states (nova.compute.power_state numbers).
_POWER = {fields.VMState.ACTIVE: 1, fields.VMState.PAUSED: 3,
          fields.VMState.STOPPED: 4}
#: How a migration status is spelled in the API (Nova's literal for
#: post-copy, so that clients comparing with it keep working).
_MIGRATION_STATUS = {fields.MigrationStatus.POST_COPY: 'running (post-copy)'}
POLICY_FIELD = 'OS-EXT-LM:migration_policy'
#: Why a live migration was asked for (null for other moves).
PURPOSE_FIELD = 'OS-EXT-LM:purpose'


def api_migration_status(status):
    return _MIGRATION_STATUS.get(status, status)


def internal_migration_status(text):
    for internal, shown in _MIGRATION_STATUS.items():
        if text == shown:
            return internal
    return text


def server_status(instance):
    return _TASK_STATUS.get(instance.task_state,
                            _STATUS.get(instance.vm_state, 'UNKNOWN'))


def _link(req, path):
    return [{'rel': 'self', 'href': '%s/v2.1/%s' % (req.host_url, path)},
            {'rel': 'bookmark', 'href': '%s/%s' % (req.host_url, path)}]


def timestamp(value):
    return value.strftime('%Y-%m-%dT%H:%M:%S.%f') if value else None


def server_brief(req, instance):
    return {'id': instance.uuid, 'name': instance.display_name,
            'links': _link(req, 'servers/%s' % instance.uuid)}


def _server_flavor(req, flavor):
    if req.at_least('2.47'):
        return {'original_name': flavor.name, 'vcpus': flavor.vcpus,
                'ram': flavor.memory_mb, 'disk': flavor.root_gb,
                'ephemeral': flavor.ephemeral_gb, 'swap': flavor.swap,
                'extra_specs': dict(flavor.extra_specs)}
    return {'id': flavor.flavorid,
            'links': [{'rel': 'bookmark', 'href': '%s/flavors/%s' % (
                req.host_url, flavor.flavorid)}]}


def server(req, instance, host_status=None, policy=None, see_host=False):
    """A server's detail document at the request's version.

    ``see_host`` adds the host attributes (administrators only);
    ``policy`` is the migration policy in effect (the extension field).
    """
    host_id = ''
    if instance.host:
        host_id = hashlib.sha224(('%s%s' % (
            instance.project_id, instance.host)).encode()).hexdigest()
    image = ''
    if instance.image_ref:
        image = {'id': instance.image_ref, 'links': [{
            'rel': 'bookmark', 'href': '%s/images/%s' % (
                req.host_url, instance.image_ref)}]}
    doc = server_brief(req, instance)
    doc.update({
        'status': server_status(instance),
        'tenant_id': instance.project_id,
        'user_id': instance.user_id,
        'metadata': {},
        'hostId': host_id,
        'image': image,
        'flavor': _server_flavor(req, instance.flavor),
        'addresses': {},
        'accessIPv4': '',
        'accessIPv6': '',
        'progress': 0,
        'config_drive': '',
        'key_name': None,
        'OS-DCF:diskConfig': 'MANUAL',
        'OS-EXT-AZ:availability_zone': 'nova',
        'OS-EXT-STS:task_state': instance.task_state,
        'OS-EXT-STS:vm_state': instance.vm_state,
        'OS-EXT-STS:power_state': _POWER.get(instance.vm_state, 0),
        'os-extended-volumes:volumes_attached': [],
        POLICY_FIELD: policy,
    })
    if see_host:
        doc.update({
            'OS-EXT-SRV-ATTR:host': instance.host,
            'OS-EXT-SRV-ATTR:hypervisor_hostname': instance.node,
            'OS-EXT-SRV-ATTR:instance_name': 'instance-%s' % (
                instance.uuid[:8]),
        })
        if req.at_least('2.16'):
            doc['host_status'] = host_status or ''
    if req.at_least('2.9'):
        doc['locked'] = False
    if req.at_least('2.19'):
        doc['description'] = None
    if req.at_least('2.26'):
        doc['tags'] = []
    if req.at_least('2.73'):
        doc['locked_reason'] = None
    return doc


def flavor_brief(req, entry):
    doc = {'id': entry.flavor.flavorid, 'name': entry.flavor.name,
           'links': _link(req, 'flavors/%s' % entry.flavor.flavorid)}
    if req.at_least('2.55'):
        doc['description'] = entry.description
    return doc


def flavor(req, entry):
    f = entry.flavor
    doc = flavor_brief(req, entry)
    doc.update({
        'ram': f.memory_mb, 'vcpus': f.vcpus, 'disk': f.root_gb,
        'OS-FLV-EXT-DATA:ephemeral': f.ephemeral_gb,
        'swap': f.swap if (f.swap or req.at_least('2.75')) else '',
        'OS-FLV-DISABLED:disabled': False,
        'os-flavor-access:is_public': entry.is_public,
        'rxtx_factor': 1.0,
    })
    if req.at_least('2.61'):
        doc['extra_specs'] = dict(f.extra_specs)
    return doc


def _purpose(mig):
    if mig.migration_type != fields.MigrationType.LIVE_MIGRATION:
        return None
    return mig.effective_purpose


def _owner(instance):
    return ((instance.user_id, instance.project_id) if instance is not None
            else (None, None))


def migration(req, mig, instance=None):
    """An os-migrations entry."""
    doc = {
        'id': mig.id, 'instance_uuid': mig.instance_uuid,
        'status': api_migration_status(mig.status),
        'source_compute': mig.source_compute, 'source_node': mig.source_node,
        'dest_compute': mig.dest_compute, 'dest_node': mig.dest_node,
        'dest_host': None,
        'old_instance_type_id': None, 'new_instance_type_id': None,
        'created_at': timestamp(mig.created_at),
        'updated_at': timestamp(mig.updated_at),
        PURPOSE_FIELD: _purpose(mig),
    }
    if req.at_least('2.23'):
        doc['migration_type'] = mig.migration_type
        if (mig.migration_type == fields.MigrationType.LIVE_MIGRATION
                and not mig.is_final):
            doc['links'] = _link(req, 'servers/%s/migrations/%s' % (
                mig.instance_uuid, mig.id))
    if req.at_least('2.59'):
        doc['uuid'] = mig.uuid
    if req.at_least('2.80'):
        doc['user_id'], doc['project_id'] = _owner(instance)
    return doc


def server_migration(req, mig, instance):
    """A servers/{id}/migrations entry, with its progress in bytes."""
    doc = {
        'id': mig.id, 'server_uuid': mig.instance_uuid,
        'status': api_migration_status(mig.status),
        'source_compute': mig.source_compute, 'source_node': mig.source_node,
        'dest_compute': mig.dest_compute, 'dest_node': mig.dest_node,
        'dest_host': None,
        'created_at': timestamp(mig.created_at),
        'updated_at': timestamp(mig.updated_at),
        PURPOSE_FIELD: _purpose(mig),
    }
    for name in ('memory_total', 'memory_processed', 'memory_remaining',
                 'disk_total', 'disk_processed', 'disk_remaining'):
        doc[name + '_bytes'] = getattr(mig, name)
    if req.at_least('2.59'):
        doc['uuid'] = mig.uuid
    if req.at_least('2.80'):
        doc['user_id'], doc['project_id'] = _owner(instance)
    return doc
