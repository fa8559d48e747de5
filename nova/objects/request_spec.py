from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class RequestSpec(base.NovaObject):
    """What the scheduler needs to pick a host for one instance."""

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'instance_uuid': fields.UUIDField(),
        'project_id': fields.StringField(),
        'user_id': fields.StringField(),
        'flavor': fields.ObjectField('Flavor'),
        'image': fields.ObjectField('ImageMeta'),
        'num_instances': fields.NonNegativeIntegerField(default=1),
        # Hosts the scheduler must not return (a move's source host).
        'ignore_hosts': fields.ListOfStringsField(default=[]),
        # A host the caller asked for (live migration with a target).
        'requested_host': fields.StringField(nullable=True, default=None),
        # Traits the root provider must have / must not have; filled by the
        # request filters and sent to Placement as root_required.
        'root_required': fields.SetOfStringsField(default=set()),
        'root_forbidden': fields.SetOfStringsField(default=set()),
    }

    @classmethod
    def from_components(cls, instance_uuid, flavor, image, project_id,
                        user_id, ignore_hosts=None, requested_host=None):
        return cls(instance_uuid=instance_uuid, flavor=flavor, image=image,
                   project_id=project_id, user_id=user_id, num_instances=1,
                   ignore_hosts=list(ignore_hosts or []),
                   requested_host=requested_host,
                   root_required=set(), root_forbidden=set())

    @classmethod
    def from_instance(cls, instance, ignore_hosts=None, requested_host=None):
        return cls.from_components(
            instance.uuid, instance.flavor, instance.image_meta,
            instance.project_id, instance.user_id,
            ignore_hosts=ignore_hosts, requested_host=requested_host)
