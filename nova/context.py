"""Request context carried through every call."""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade

ADMIN_PROJECT = 'admin'
ADMIN_USER = 'admin'


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """oslo.context's RequestContext, under the name Nova code uses.

    It also carries the database transaction of ``nova.db.api`` calls
    (``session``, per thread), so nested calls share one transaction.
    """


def get_admin_context():
    return RequestContext(project_id=ADMIN_PROJECT, user_id=ADMIN_USER,
                          is_admin=True, roles=['admin'])
