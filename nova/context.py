"""Request context carried through every call."""

from oslo_context import context

ADMIN_PROJECT = 'admin'
ADMIN_USER = 'admin'


class RequestContext(context.RequestContext):
    """oslo.context's RequestContext, under the name Nova code uses."""


def get_admin_context():
    return RequestContext(project_id=ADMIN_PROJECT, user_id=ADMIN_USER,
                          is_admin=True, roles=['admin'])
