"""The facade's users and the tokens it issued.

Two users exist at most: ``admin`` (project ``admin``; roles admin and
member) when ``[api] admin_password`` is set, and ``member`` (project
``demo``; role member) when ``[api] member_password`` is set.  Tokens are
random, opaque, kept in memory and expire after ``[api] token_ttl``
seconds.
"""

import dataclasses
import datetime
import hmac
import secrets
import threading
import time

DOMAIN = {'id': 'default', 'name': 'Default'}
#: At most this many live tokens; the oldest is forgotten first.
MAX_TOKENS = 10000


@dataclasses.dataclass(frozen=True)
class User:
    name: str
    project: str
    roles: tuple

    @property
    def id(self):
        return self.name

    @property
    def is_admin(self):
        return 'admin' in self.roles


@dataclasses.dataclass(frozen=True)
class Token:
    id: str
    user: User
    issued_at: float
    expires_at: float


def users_from_conf(api_conf):
    """{name: (User, password)} configured in ``[api]``."""
    users = {}
    if api_conf.admin_password:
        users['admin'] = (User('admin', 'admin', ('admin', 'member')),
                          api_conf.admin_password)
    if api_conf.member_password:
        users['member'] = (User('member', 'demo', ('member',)),
                           api_conf.member_password)
    return users


def iso(timestamp):
    return datetime.datetime.fromtimestamp(
        timestamp, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


class TokenStore(object):

    def __init__(self, users, ttl, clock=time.time):
        self._users = dict(users)
        self._ttl = ttl
        self._clock = clock
        self._tokens = {}
        self._lock = threading.Lock()

    def authenticate(self, name, password):
        """The User for a name and password, or None."""
        entry = self._users.get(name)
        if entry is None or not isinstance(password, str):
            return None
        user, expected = entry
        if not hmac.compare_digest(password.encode('utf-8'),
                                   expected.encode('utf-8')):
            return None
        return user

    def issue(self, user):
        now = self._clock()
        token = Token(secrets.token_urlsafe(32), user, now, now + self._ttl)
        with self._lock:
            self._purge(now)
            while len(self._tokens) >= MAX_TOKENS:
                self._tokens.pop(next(iter(self._tokens)))
            self._tokens[token.id] = token
        return token

    def check(self, token_id):
        """The live Token with this id, or None."""
        if not token_id:
            return None
        with self._lock:
            token = self._tokens.get(token_id)
            if token is not None and token.expires_at <= self._clock():
                del self._tokens[token_id]
                return None
            return token

    def revoke(self, token_id):
        with self._lock:
            return self._tokens.pop(token_id, None) is not None

    def _purge(self, now):
        for token_id in [t for t, tok in self._tokens.items()
                         if tok.expires_at <= now]:
            del self._tokens[token_id]
