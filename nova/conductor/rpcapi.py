"""The conductor's RPC API: persisting objects and orchestrating moves.

Topic ``conductor``.  Two endpoints, as in Nova:

* the object indirection (namespace None): compute services have no
  database credentials; their versioned objects' remotable methods
  (``save``, ``refresh``, ``get_by_*``) run here through
  oslo.versionedobjects' indirection API (``object_action``,
  ``object_class_action_versions``, ``object_backport_versions``);
* the compute tasks (namespace ``compute_task``): the moves the compute
  API asks for.
"""

import oslo_messaging as messaging
from oslo_versionedobjects import base as ovo_base

import nova.conf
from nova.db import api as db
from nova import exception
from nova.objects import base as objects_base
from nova import rpc

CONF = nova.conf.CONF
TOPIC = 'conductor'
TASK_NAMESPACE = 'compute_task'


def _target(namespace=None):
    return messaging.Target(topic=TOPIC, namespace=namespace,
                            version=rpc.RPC_VERSION)


class ConductorAPI(ovo_base.VersionedObjectIndirectionAPI):
    """Client of the conductor's object indirection."""

    def __init__(self, transport):
        self.client = rpc.get_client(transport, _target(),
                                     timeout=CONF.rpc_response_timeout)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        return self.client.call(context, 'object_action', objinst=objinst,
                                objmethod=objmethod, args=args,
                                kwargs=kwargs)

    def object_class_action(self, context, objname, objmethod, objver,
                            args, kwargs):
        versions = ovo_base.obj_tree_get_versions(objname)
        return self.object_class_action_versions(
            context, objname, objmethod, versions, args, kwargs)

    def object_class_action_versions(self, context, objname, objmethod,
                                     object_versions, args, kwargs):
        return self.client.call(
            context, 'object_class_action_versions', objname=objname,
            objmethod=objmethod, object_versions=object_versions,
            args=args, kwargs=kwargs)

    def object_backport_versions(self, context, objinst, object_versions):
        return self.client.call(context, 'object_backport_versions',
                                objinst=objinst,
                                object_versions=object_versions)


class ServiceIndirection(object):
    """The indirection of the embedded default (one process).

    Object methods run locally, except while a compute service's endpoint
    runs on the local transport: then they go to the conductor of that
    transport -- through the same serialization as over RabbitMQ -- and a
    compute service that reached the database directly would fail (see
    ``nova.db.api``), as it would in its own process.
    """

    def __init__(self):
        self._apis = {}

    def _api(self):
        server = rpc.current_service()
        api = self._apis.get(id(server.transport))
        if api is None or api.client.transport is not server.transport:
            api = self._apis[id(server.transport)] = ConductorAPI(
                server.transport)
        return api

    def __bool__(self):
        server = rpc.current_service()
        return server is not None and server.binary == 'nova-compute'

    def object_action(self, *args):
        return self._api().object_action(*args)

    def object_class_action(self, *args):
        return self._api().object_class_action(*args)

    def object_class_action_versions(self, *args):
        return self._api().object_class_action_versions(*args)

    def object_backport_versions(self, *args):
        return self._api().object_backport_versions(*args)


def _compute_has_no_database():
    server = rpc.current_service()
    if server is not None and server.binary == 'nova-compute':
        raise exception.ServiceNotAllowedDatabase(
            binary=server.binary, what='a database transaction')


def use_local_indirection():
    """Route compute services' object methods through the conductor in
    the embedded default, and refuse them the database (idempotent).
    """
    if not isinstance(objects_base.NovaObject.indirection_api,
                      ServiceIndirection):
        objects_base.NovaObject.indirection_api = ServiceIndirection()
    db.set_access_guard(_compute_has_no_database)


def block_database(binary):
    """This process (``binary``) has no database: every object method goes
    to the conductor over ``transport``; any direct use fails.
    """
    def refuse():
        raise exception.ServiceNotAllowedDatabase(
            binary=binary, what='a database transaction')
    db.set_access_guard(refuse)


class ComputeTaskAPI(object):
    """Client of the conductor's move orchestration."""

    def __init__(self, transport):
        self.client = rpc.get_client(transport, _target(TASK_NAMESPACE),
                                     timeout=CONF.rpc_response_timeout)

    def _long(self):
        return self.client.prepare(
            timeout=CONF.long_rpc_timeout,
            call_monitor_timeout=CONF.rpc_response_timeout)

    def live_migrate_instance(self, ctxt, instance, host=None,
                              block_migration=False, force=False,
                              purpose=None):
        """Check, schedule and claim, then start the move on the source;
        returns the Migration (the move runs on; follow its record).
        ``purpose``: a MigrationPurpose, recorded on the Migration.
        """
        return self._long().call(ctxt, 'live_migrate_instance',
                                 instance=instance, host=host,
                                 block_migration=block_migration,
                                 force=force, purpose=purpose)

    def drain_host(self, ctxt, host):
        """Start draining ``host``; returns the HostDrain once its first
        moves were asked for (the rest go on in the conductor).
        """
        return self._long().call(ctxt, 'drain_host', host=host)

    def drain_status(self, ctxt, host, outcomes=False):
        """The running or last drain of ``host`` (a HostDrain)."""
        return self.client.call(ctxt, 'drain_status', host=host,
                                outcomes=outcomes)

    def evacuate_instance(self, ctxt, instance, host=None):
        return self._long().call(ctxt, 'evacuate_instance',
                                 instance=instance, host=host)

    def live_migration_force_complete(self, ctxt, instance):
        return self.client.call(ctxt, 'live_migration_force_complete',
                                instance=instance)

    def live_migration_abort(self, ctxt, instance):
        return self.client.call(ctxt, 'live_migration_abort',
                                instance=instance)
