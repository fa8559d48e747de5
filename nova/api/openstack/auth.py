"""Who is calling: a request context from the token, for every request.

``facade``: the X-Auth-Token must be one the identity facade issued and
has not expired.  ``none``: every request is the administrator of
project ``admin`` (the clients' ``auth_type: none``).  ``keystone``:
keystonemiddleware's ``auth_token`` has checked the token against
Keystone and set X-Identity-Status, X-User-Id, X-Project-Id and X-Roles,
which are read here.
"""

from nova.api.openstack import wsgi
from nova import context as nova_context

FACADE = 'facade'
NONE = 'none'
KEYSTONE = 'keystone'


def _context(user_id, project_id, roles):
    roles = [r for r in roles if r]
    return nova_context.RequestContext(
        user_id=user_id, project_id=project_id, roles=roles,
        is_admin='admin' in roles)


def unauthorized():
    return wsgi.HTTPError(
        401, 'The request you have made requires authentication: give a '
             'valid X-Auth-Token.',
        [('WWW-Authenticate', 'Keystone uri="/identity"')])


class Authenticator(object):

    def __init__(self, strategy, tokens=None):
        if strategy not in (FACADE, NONE, KEYSTONE):
            raise ValueError('unknown auth strategy %r' % strategy)
        if strategy == FACADE and tokens is None:
            raise ValueError('the facade strategy needs a token store')
        self.strategy = strategy
        self.tokens = tokens

    def context(self, environ):
        """The RequestContext of a request; HTTPError(401) if none."""
        if self.strategy == NONE:
            return _context(nova_context.ADMIN_USER,
                            nova_context.ADMIN_PROJECT, ['admin', 'member'])
        if self.strategy == KEYSTONE:
            if environ.get('HTTP_X_IDENTITY_STATUS') != 'Confirmed':
                raise unauthorized()
            roles = environ.get('HTTP_X_ROLES', '').split(',')
            return _context(environ.get('HTTP_X_USER_ID'),
                            environ.get('HTTP_X_PROJECT_ID'),
                            [r.strip() for r in roles])
        token = self.tokens.check(environ.get('HTTP_X_AUTH_TOKEN'))
        if token is None:
            raise unauthorized()
        return _context(token.user.id, token.user.project,
                        list(token.user.roles))
