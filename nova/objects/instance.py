"""An instance, persisted in ``instances`` and ``instance_extra``."""

import contextlib

from oslo_serialization import jsonutils

from nova.db import api as db
from nova import exception
from nova.objects import base
from nova.objects import fields
from nova.objects import image_meta

# instance_extra columns holding serialized objects, and their classes.
_EXTRA = {
    'flavor': 'Flavor',
    'numa_topology': 'InstanceNUMATopology',
    'resources': 'ResourceList',
    'migration_context': 'MigrationContext',
}
_COLUMNS = ('uuid', 'display_name', 'project_id', 'user_id', 'host', 'node',
            'vm_state', 'task_state', 'image_ref')


def _dump(obj):
    return None if obj is None else jsonutils.dumps(obj.obj_to_primitive())


def _load(text):
    if not text:
        return None
    return base.NovaObject.obj_from_primitive(jsonutils.loads(text))


@base.NovaObjectRegistry.register
class Instance(base.NovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Added numa_topology, resources, migration_context and
    #              persistence (create, save, get_by_uuid, get_by_host)
    # Version 1.2: task_state 'deleting'; save() takes expected states
    VERSION = '1.2'

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
        'numa_topology': fields.ObjectField('InstanceNUMATopology',
                                            nullable=True),
        'resources': fields.ObjectField('ResourceList', nullable=True),
        'migration_context': fields.ObjectField('MigrationContext',
                                                nullable=True),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if (target_version in ('1.0', '1.1') and primitive.get('task_state')
                == fields.TaskState.DELETING):
            raise exception.ObjectActionError(
                action='obj_make_compatible',
                reason='task_state deleting is unknown to Instance %s'
                       % target_version)
        if target_version == '1.0':
            for name in ('numa_topology', 'resources', 'migration_context'):
                primitive.pop(name, None)

    @property
    def image_meta(self):
        return image_meta.ImageMeta.from_instance(self)

    @property
    def is_paused(self):
        return self.vm_state == fields.VMState.PAUSED

    # -- persistence -----------------------------------------------------

    @classmethod
    def _from_db(cls, ctxt, row):
        inst = cls(context=ctxt)
        for name in _COLUMNS:
            setattr(inst, name, row.get(name))
        inst.system_metadata = jsonutils.loads(
            row.get('system_metadata') or '{}')
        extra = row.get('extra') or {}
        for name in _EXTRA:
            setattr(inst, name, _load(extra.get(name)))
        inst.obj_reset_changes()
        return inst

    @classmethod
    def get_by_uuid(cls, ctxt, uuid):
        return cls._from_db(ctxt, db.instance_get_by_uuid(ctxt, uuid))

    @classmethod
    def get_by_host(cls, ctxt, host):
        return [cls._from_db(ctxt, row)
                for row in db.instance_get_all_by_host(ctxt, host)]

    @classmethod
    def get_all(cls, ctxt):
        return [cls._from_db(ctxt, row) for row in db.instance_get_all(ctxt)]

    def _values(self, names):
        values, extra = {}, {}
        for name in names:
            value = getattr(self, name) if self.obj_attr_is_set(
                name) else None
            if name in _EXTRA:
                extra[name] = _dump(value)
            elif name == 'system_metadata':
                values[name] = jsonutils.dumps(value or {})
            else:
                values[name] = value
        if extra:
            values['extra'] = extra
        return values

    def create(self):
        for name in ('numa_topology', 'resources', 'migration_context',
                     'host', 'node', 'task_state', 'display_name',
                     'image_ref'):
            if not self.obj_attr_is_set(name):
                setattr(self, name, None)
        if not self.obj_attr_is_set('system_metadata'):
            self.system_metadata = {}
        db.instance_create(self._context, self._values(
            _COLUMNS + ('system_metadata',) + tuple(_EXTRA)))
        self.obj_reset_changes()

    def save(self, expected_task_state=None, expected_vm_state=None):
        """Write the changed fields (nested objects count as changed).

        ``expected_task_state`` / ``expected_vm_state`` (a value or a list
        of values; None among them means "no task") turn the write into a
        compare-and-swap: it only happens if the stored states are among
        them, otherwise UnexpectedInstanceState is raised and nothing is
        written.  A request that starts a task on the instance saves the
        new task state this way, so two such requests cannot both win.
        """
        expected = {}
        for column, value in (('task_state', expected_task_state),
                              ('vm_state', expected_vm_state)):
            if value is not None:
                expected[column] = (value if isinstance(value, (list, tuple))
                                    else [value])
        changed = set(self.obj_what_changed())
        for name in _EXTRA:
            value = getattr(self, name, None) if self.obj_attr_is_set(
                name) else None
            if value is not None and value.obj_what_changed():
                changed.add(name)
        if changed or expected:
            db.instance_update(self._context, self.uuid,
                               self._values(sorted(changed)),
                               expected=expected)
        self.obj_reset_changes(recursive=True)

    def destroy(self):
        """Delete the instance and its instance_extra row."""
        db.instance_destroy(self._context, self.uuid)

    def refresh(self):
        fresh = self.get_by_uuid(self._context, self.uuid)
        for name in self.fields:
            setattr(self, name, getattr(fresh, name))
        self.obj_reset_changes()

    # -- the migration context (see MigrationContext) --------------------

    def apply_migration_context(self):
        """Point the instance at what the move claimed on the destination.

        Not saved: the caller saves together with host and node.
        """
        self._use_migration_context('new_')

    def revert_migration_context(self):
        """Point the instance back at what it held on the source."""
        self._use_migration_context('old_')

    def _use_migration_context(self, prefix):
        ctx = self.migration_context
        if ctx is None:
            return
        for name in ('numa_topology', 'resources'):
            setattr(self, name, getattr(ctx, prefix + name))

    @contextlib.contextmanager
    def mutated_migration_context(self, revert=False):
        """Temporarily see the destination's (or, with revert, the
        source's) resources, for code acting on one side of a move.
        """
        saved = {name: getattr(self, name)
                 for name in ('numa_topology', 'resources')}
        changes = set(self.obj_what_changed())
        try:
            if revert:
                self.revert_migration_context()
            else:
                self.apply_migration_context()
            yield self
        finally:
            for name, value in saved.items():
                setattr(self, name, value)
            for name in ('numa_topology', 'resources'):
                if name not in changes:
                    self.obj_reset_changes([name])

    def drop_migration_context(self):
        """Forget the migration context, in the database too."""
        self.migration_context = None
        self.save()
