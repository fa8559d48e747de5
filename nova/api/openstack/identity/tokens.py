"""The facade's users and the tokens it issued.

Two users exist at most: ``admin`` (project ``admin``; roles admin and
member) when ``[api] admin_password`` is set, and ``member`` (project
``demo``; role member) when ``[api] member_password`` is set.  Tokens are
random, opaque and expire after ``[api] token_ttl`` seconds.  An embedded
cloud keeps them in memory (``TokenStore``); the API of a multi-process
deployment keeps them in the database (``DBTokenStore``, by their SHA-256
only), so every worker and an API restarted accept them.
"""

import dataclasses
import datetime
import hashlib
import hmac
import secrets
import threading
import time

from nova import context as nova_context
from nova.db import api as db

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

    def _new(self, user):
        now = self._clock()
        return Token(secrets.token_urlsafe(32), user, now, now + self._ttl)

    def issue(self, user):
        token = self._new(user)
        with self._lock:
            self._purge(token.issued_at)
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


def _hash(token_id):
    return hashlib.sha256(token_id.encode('utf-8')).hexdigest()


class DBTokenStore(TokenStore):
    """The tokens in the ``api_tokens`` table; the same users."""

    def issue(self, user):
        token = self._new(user)
        ctxt = nova_context.get_admin_context()
        db.api_token_purge(ctxt, token.issued_at, MAX_TOKENS - 1)
        db.api_token_create(ctxt, {
            'token_hash': _hash(token.id), 'user_name': user.name,
            'issued_at': token.issued_at, 'expires_at': token.expires_at})
        return token

    def check(self, token_id):
        if not token_id or not isinstance(token_id, str):
            return None
        row = db.api_token_get(nova_context.get_admin_context(),
                               _hash(token_id))
        if row is None or row['expires_at'] <= self._clock():
            return None
        entry = self._users.get(row['user_name'])
        if entry is None:
            # The user was removed from the configuration since.
            return None
        return Token(token_id, entry[0], row['issued_at'],
                     row['expires_at'])

    def revoke(self, token_id):
        if not token_id or not isinstance(token_id, str):
            return False
        return db.api_token_destroy(nova_context.get_admin_context(),
                                    _hash(token_id))
