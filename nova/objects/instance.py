from nova.objects import base
from nova.objects import fields
from nova.objects import image_meta


@base.NovaObjectRegistry.register
class Instance(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'uuid': fields.UUIDField(),
        'display_name': fields.StringField(nullable=True),
        'project_id': fields.StringField(),
        'user_id': fields.StringField(),
        'host': fields.StringField(nullable=True),
        'node': fields.StringField(nullable=True),
        'vm_state': fields.VMStateField(),
        'task_state': fields.TaskStateField(nullable=True),
        'image_ref': fields.StringField(nullable=True),
        'flavor': fields.ObjectField('Flavor'),
        'system_metadata': fields.DictOfStringsField(default={}),
    }

    @property
    def image_meta(self):
        return image_meta.ImageMeta.from_instance(self)

    @property
    def is_paused(self):
        return self.vm_state == fields.VMState.PAUSED
