"""The compute API layer: what a user's request goes through first."""

from oslo_log import log as logging
from oslo_utils import uuidutils

from nova.api.validation.extra_specs import validators
from nova import exception
from nova import objects
from nova.objects import fields
from nova.virt import hardware
from nova.virt import migration_policy

LOG = logging.getLogger(__name__)

#: The largest guest a request may ask for, and so the largest simulated
#: host: 4096 vCPUs (what KVM and libvirt take for one guest), 16 TiB of
#: memory and 1 PiB of disk.  Placement stores each amount as a 32-bit
#: integer (at most 2147483647); these leave room for many instances.
MAX_VCPUS = 4096
MAX_MEMORY_MB = 16 * 1024 * 1024
MAX_DISK_GB = 1024 * 1024
#: (field, smallest, largest, what it is) of every size a flavor has.
FLAVOR_LIMITS = (
    ('vcpus', 1, MAX_VCPUS, 'vCPUs'),
    ('memory_mb', 1, MAX_MEMORY_MB, 'memory in MiB'),
    ('root_gb', 0, MAX_DISK_GB, 'root disk in GiB'),
    ('ephemeral_gb', 0, MAX_DISK_GB, 'ephemeral disk in GiB'),
    ('swap', 0, MAX_MEMORY_MB, 'swap in MiB'),
)


class API(object):

    def __init__(self, scheduler, compute_rpcapi=None):
        self.scheduler = scheduler
        self.compute_rpcapi = compute_rpcapi

    @staticmethod
    def validate_flavor_sizes(sizes):
        """Check ``{field: value}`` against FLAVOR_LIMITS.

        Works on plain values, so that a command can check what a user
        typed before a Flavor object (which refuses negative numbers with
        a bare ValueError) is built.  Raises InvalidFlavorSize.
        """
        for name, low, high, what in FLAVOR_LIMITS:
            if name not in sizes:
                continue
            value = sizes[name]
            if (isinstance(value, bool) or not isinstance(value, int) or
                    not low <= value <= high):
                raise exception.InvalidFlavorSize(
                    name, value, 'the %s must be an integer from %d to %d'
                    % (what, low, high))

    @staticmethod
    def validate_boot_request(flavor, image):
        """Check a flavor and an image dict before anything is created.

        Returns the ImageMeta.  Raises a typed Invalid error naming the key,
        the value and the rule for a size out of FLAVOR_LIMITS, a bad extra
        spec or image property, a guest NUMA topology the flavor cannot
        have (``hw:numa_nodes`` above its vCPUs), a flavor/image
        disagreement, or auto-converge and post-copy both requested.
        ``nova-live-migration plan`` calls this too: it refuses what a
        create refuses.
        """
        API.validate_flavor_sizes({name: getattr(flavor, name)
                                   for name, *_rest in FLAVOR_LIMITS})
        validators.validate_extra_specs(flavor.extra_specs)
        hardware.numa_topology_from_flavor(flavor)
        validators.validate_image_properties((image or {}).get('properties'))
        image_meta = objects.ImageMeta.from_dict(image)
        migration_policy.requested_features(flavor, image_meta)
        return image_meta

    def create(self, ctxt, flavor, image, display_name=None, host=None):
        """Boot one instance: validate, schedule, claim in Placement.

        Nothing is claimed or created when validation or scheduling fails.
        Returns the Instance, placed on the selected host.  With compute
        services, the instance is also stored and built there; if the build
        fails its allocation is released and it is left in ERROR.
        ``host`` (an administrator's choice) restricts scheduling to it.
        """
        image_meta = self.validate_boot_request(flavor, image)
        instance_uuid = uuidutils.generate_uuid()
        spec = objects.RequestSpec.from_components(
            instance_uuid, flavor, image_meta, ctxt.project_id, ctxt.user_id,
            requested_host=host)
        selection = self.scheduler.select_destinations(ctxt, spec)
        instance = objects.Instance(
            uuid=instance_uuid, display_name=display_name,
            project_id=ctxt.project_id, user_id=ctxt.user_id,
            host=selection.host, node=selection.host,
            vm_state=fields.VMState.ACTIVE, task_state=None,
            image_ref=image_meta.id, flavor=flavor,
            system_metadata=image_meta.to_system_metadata())
        LOG.info('Instance %s scheduled to %s', instance_uuid,
                 selection.host)
        if self.compute_rpcapi is None:
            return instance
        return self._build(ctxt, instance, selection)

    def _build(self, ctxt, instance, selection):
        instance._context = ctxt
        instance.vm_state = fields.VMState.BUILDING
        instance.host = instance.node = None
        instance.create()
        try:
            self.compute_rpcapi.call(selection.host,
                                     'build_and_run_instance', ctxt,
                                     instance, selection.allocations)
        except Exception:
            LOG.exception('Building %s on %s failed', instance.uuid,
                          selection.host)
            self.scheduler.report_client.delete_allocation_for_consumer(
                instance.uuid)
            instance.refresh()
            instance.vm_state = fields.VMState.ERROR
            instance.save()
            raise
        instance.refresh()
        return instance
