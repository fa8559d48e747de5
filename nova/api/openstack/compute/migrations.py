"""Migrations: os-migrations, and the live migrations of one server.

``GET /servers/{id}/migrations[/{mid}]`` shows the server's live
migrations in progress with their progress in bytes (post-copy counts as
in progress).  ``POST .../{mid}/action {"force_complete": null}`` asks
the monitor to finish (it never switches an auto-converge migration to
post-copy); ``DELETE .../{mid}`` aborts -- refused with 400 while
post-copy runs, because the guest then already runs on the destination
with part of its memory still on the source.
"""

import datetime

from oslo_utils import timeutils
from oslo_utils import uuidutils

from nova.api.openstack.compute import common
from nova.api.openstack.compute import views
from nova.api.openstack import wsgi
from nova import exception
from nova import objects
from nova.objects import fields

STATUS = fields.MigrationStatus
LIVE = fields.MigrationType.LIVE_MIGRATION
_IN_PROGRESS = (STATUS.QUEUED, STATUS.ACCEPTED, STATUS.PREPARING,
                STATUS.RUNNING, STATUS.POST_COPY)


def _time_param(req, name):
    text = req.GET.get(name)
    if text is None:
        return None
    try:
        value = timeutils.parse_isotime(text)
    except ValueError:
        raise wsgi.bad_request('%s must be an ISO 8601 time, got %r.'
                               % (name, text))
    return timeutils.normalize_time(value)


def _updated(mig):
    value = mig.updated_at or mig.created_at
    if value is None:
        return datetime.datetime.min
    return timeutils.normalize_time(value)


class MigrationsAPI(object):

    def __init__(self, backend):
        self.backend = backend

    def routes(self, router):
        router.add('GET', '/os-migrations', self.index)
        base = '/servers/{server_id}/migrations'
        router.add('GET', base, self.server_index, '2.23')
        router.add('GET', base + '/{migration_id}', self.server_show,
                   '2.23')
        router.add('POST', base + '/{migration_id}/action',
                   self.force_complete, '2.22')
        router.add('DELETE', base + '/{migration_id}', self.abort, '2.24')

    # -- os-migrations ------------------------------------------------------

    def index(self, req):
        req.authorize('compute:migrations:index')
        migrations = objects.Migration.get_all(req.context)
        params = req.GET
        for key in ('instance_uuid', 'source_compute', 'migration_type'):
            if key in params:
                migrations = [m for m in migrations
                              if getattr(m, key) == params[key]]
        if 'status' in params:
            wanted = views.internal_migration_status(params['status'])
            migrations = [m for m in migrations if m.status == wanted]
        if 'host' in params:
            migrations = [m for m in migrations if params['host'] in (
                m.source_compute, m.dest_compute)]
        owners = self._owners(req, migrations)
        if req.at_least('2.80'):
            for key, index in (('user_id', 0), ('project_id', 1)):
                if key in params:
                    migrations = [m for m in migrations
                                  if owners.get(m.instance_uuid, (None,
                                                                  None))[
                                      index] == params[key]]
        links = []
        if req.at_least('2.59'):
            since = _time_param(req, 'changes-since')
            before = (_time_param(req, 'changes-before')
                      if req.at_least('2.66') else None)
            if since:
                migrations = [m for m in migrations if _updated(m) >= since]
            if before:
                migrations = [m for m in migrations
                              if _updated(m) <= before]
            migrations.sort(key=lambda m: (m.created_at is not None,
                                           m.created_at, m.id),
                            reverse=True)
            migrations, links = common.page(migrations, req,
                                            lambda m: m.uuid,
                                            'migrations', 'os-migrations')
        body = {'migrations': [
            views.migration(req, m, owners.get(m.instance_uuid))
            for m in migrations]}
        if links:
            body['migrations_links'] = links
        return wsgi.json_response(body)

    @staticmethod
    def _owners(req, migrations):
        owners = {}
        for uuid in {m.instance_uuid for m in migrations}:
            try:
                owners[uuid] = objects.Instance.get_by_uuid(req.context, uuid)
            except exception.InstanceNotFound:
                continue
        return owners

    # -- one server's live migrations --------------------------------------

    @staticmethod
    def _find(req, instance, migration_id):
        """The server's live migration ``migration_id`` (id or uuid)."""
        for mig in objects.Migration.get_by_instance(req.context,
                                                     instance.uuid):
            if mig.migration_type == LIVE and migration_id in (
                    str(mig.id), mig.uuid):
                return mig
        raise wsgi.not_found('Migration %s not found for server %s.' % (
            migration_id, instance.uuid))

    def server_index(self, req, server_id):
        req.authorize('compute:server_migrations:index')
        instance = common.get_instance(req, server_id)
        running = [m for m in objects.Migration.get_by_instance(
            req.context, instance.uuid)
            if m.migration_type == LIVE and m.status in _IN_PROGRESS]
        return wsgi.json_response({'migrations': [
            views.server_migration(req, m, instance) for m in running]})

    def server_show(self, req, server_id, migration_id):
        req.authorize('compute:server_migrations:show')
        instance = common.get_instance(req, server_id)
        mig = self._find(req, instance, migration_id)
        if mig.status not in _IN_PROGRESS:
            raise wsgi.not_found(
                'In-progress live migration %s is not found for server %s: '
                'it is %s.' % (migration_id, instance.uuid,
                               views.api_migration_status(mig.status)))
        return wsgi.json_response(
            {'migration': views.server_migration(req, mig, instance)})

    def force_complete(self, req, server_id, migration_id):
        req.authorize('compute:server_migrations:force_complete')
        body = req.json_body()
        if not isinstance(body, dict) or list(body) != ['force_complete']:
            raise wsgi.bad_request('The only action on a migration is '
                                   '{"force_complete": null}.')
        instance = common.get_instance(req, server_id)
        mig = self._find(req, instance, migration_id)
        if mig.status == STATUS.POST_COPY:
            raise wsgi.bad_request(
                'Migration %s of server %s already runs in post-copy mode: '
                'it completes on its own; there is nothing to force.'
                % (mig.id, instance.uuid))
        if mig.status != STATUS.RUNNING:
            raise wsgi.bad_request(
                'Migration %s of server %s is %s: only a running live '
                'migration can be forced to complete.' % (
                    mig.id, instance.uuid,
                    views.api_migration_status(mig.status)))
        self.backend.api.live_migrate_force_complete(req.context, instance,
                                                     mig.id)
        return wsgi.empty(202)

    def abort(self, req, server_id, migration_id):
        req.authorize('compute:server_migrations:delete')
        instance = common.get_instance(req, server_id)
        if not (migration_id.isdigit() or
                uuidutils.is_uuid_like(migration_id)):
            raise wsgi.bad_request('%s is not a migration id.'
                                   % migration_id)
        mig = self._find(req, instance, migration_id)
        if mig.status == STATUS.POST_COPY:
            raise wsgi.bad_request(self._postcopy_refusal(mig, instance))
        if mig.status != STATUS.RUNNING:
            raise wsgi.bad_request(
                'Migration %s of server %s is %s: only a running live '
                'migration can be aborted.' % (
                    mig.id, instance.uuid,
                    views.api_migration_status(mig.status)))
        try:
            self.backend.api.live_migrate_abort(req.context, instance,
                                                mig.id)
        except exception.MigrationAbortNotAllowed:
            # It switched to post-copy between the look and the call.
            raise wsgi.bad_request(self._postcopy_refusal(mig, instance))
        return wsgi.empty(202)

    @staticmethod
    def _postcopy_refusal(mig, instance):
        return ('Cannot abort migration %s of server %s: it runs in '
                'post-copy mode. The guest already runs on %s while part '
                'of its memory is still on %s, so there is nothing to go '
                'back to; aborting would lose the guest. Let it finish.'
                % (mig.id, instance.uuid, mig.dest_compute,
                   mig.source_compute))
