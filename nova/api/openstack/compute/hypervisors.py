"""os-hypervisors: the compute nodes, their state and their usage.

Usage comes from Placement (the allocations against each node's
provider), the number of running servers from the database.
"""

import json

import os_resource_classes as orc
from oslo_utils import uuidutils

from nova.api.openstack import wsgi
from nova import objects


class HypervisorsAPI(object):

    def __init__(self, backend):
        self.backend = backend

    def routes(self, router):
        router.add('GET', '/os-hypervisors', self.index)
        router.add('GET', '/os-hypervisors/detail', self.detail)
        router.add('GET', '/os-hypervisors/{hypervisor_id}', self.show)

    def _nodes(self, req):
        nodes = objects.ComputeNode.get_all(req.context)
        pattern = req.GET.get('hypervisor_hostname_pattern')
        if pattern is not None:
            nodes = [n for n in nodes if pattern in n.hypervisor_hostname]
        return nodes

    def _brief(self, req, node):
        record = self.backend.compute_service(node.host)
        return {
            'id': node.uuid if req.at_least('2.53') else node.id,
            'hypervisor_hostname': node.hypervisor_hostname,
            'state': ('up' if record and self.backend.service_is_up(record)
                      else 'down'),
            'status': ('disabled' if record and record.disabled
                       else 'enabled'),
        }

    def _detail(self, req, node):
        doc = self._brief(req, node)
        record = self.backend.compute_service(node.host)
        doc.update({
            'hypervisor_type': 'QEMU',
            'hypervisor_version': self.backend.hypervisor_version(
                node.host),
            'host_ip': None,
            'service': {'host': node.host,
                        'id': (record.uuid if record else None),
                        'disabled_reason': (record.disabled_reason
                                            if record else None)},
        })
        if not req.at_least('2.88'):
            used = self.backend.usages(node.uuid)
            running = len(objects.Instance.get_by_host(req.context,
                                                       node.host))
            vcpus_used = used.get(orc.VCPU, 0)
            ram_used = used.get(orc.MEMORY_MB, 0)
            disk_used = used.get(orc.DISK_GB, 0)
            doc.update({
                'vcpus': node.vcpus, 'memory_mb': node.memory_mb,
                'local_gb': node.local_gb, 'vcpus_used': vcpus_used,
                'memory_mb_used': ram_used, 'local_gb_used': disk_used,
                'free_ram_mb': node.memory_mb - ram_used,
                'free_disk_gb': node.local_gb - disk_used,
                'current_workload': 0, 'running_vms': running,
                'disk_available_least': node.local_gb - disk_used,
                'cpu_info': ({} if req.at_least('2.28') else
                             json.dumps({})),
            })
        return doc

    def index(self, req):
        req.authorize('compute:hypervisors:index')
        return wsgi.json_response({'hypervisors': [
            self._brief(req, n) for n in self._nodes(req)]})

    def detail(self, req):
        req.authorize('compute:hypervisors:index')
        return wsgi.json_response({'hypervisors': [
            self._detail(req, n) for n in self._nodes(req)]})

    def show(self, req, hypervisor_id):
        req.authorize('compute:hypervisors:index')
        for node in objects.ComputeNode.get_all(req.context):
            if hypervisor_id in (node.uuid, str(node.id)):
                return wsgi.json_response(
                    {'hypervisor': self._detail(req, node)})
        what = ('uuid' if uuidutils.is_uuid_like(hypervisor_id) else 'id')
        raise wsgi.not_found('Hypervisor with %s %s could not be found.'
                             % (what, hypervisor_id))
