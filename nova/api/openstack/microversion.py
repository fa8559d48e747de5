"""Compute API microversions: parsing, negotiation, response headers.

A request names its version in ``OpenStack-API-Version: compute X.Y``
(preferred) or ``X-OpenStack-Nova-API-Version: X.Y``; without either it
is served as the minimum, 2.1.  ``latest`` means the maximum.  A version
outside [MIN, MAX] is answered 406, a malformed one 400.
"""

import functools
import re

SERVICE_TYPE = 'compute'
NEW_HEADER = 'OpenStack-API-Version'
LEGACY_HEADER = 'X-OpenStack-Nova-API-Version'
VARY = '%s, %s' % (NEW_HEADER, LEGACY_HEADER)
_FORMAT = re.compile(r'^([1-9]\d{0,2})\.(0|[1-9]\d{0,2})$')


class VersionError(ValueError):
    """A version header the API cannot serve; ``code`` is 400 or 406."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


@functools.total_ordering
class Version(object):
    """A compute API microversion such as 2.30."""

    __slots__ = ('major', 'minor')

    def __init__(self, major, minor):
        self.major = int(major)
        self.minor = int(minor)

    @classmethod
    def parse(cls, text):
        """'2.30' -> Version(2, 30); VersionError(400) if malformed."""
        match = _FORMAT.match((text or '').strip())
        if not match:
            raise VersionError(
                'Invalid API version %r: a version is MAJOR.MINOR such as '
                '2.30, or "latest".' % (text,), 400)
        return cls(*match.groups())

    def _key(self):
        return (self.major, self.minor)

    def __eq__(self, other):
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other):
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        return '%d.%d' % self._key()

    __repr__ = __str__

    def matches(self, low=None, high=None):
        """True when low <= self <= high (None: unbounded)."""
        return ((low is None or self >= low) and
                (high is None or self <= high))


def v(text):
    return Version.parse(text)


MIN = v('2.1')
#: The newest version whose fields this API serves.  Between 2.1 and here:
#: 2.11 forced_down, 2.14 evacuate without onSharedStorage/adminPass,
#: 2.22 force-complete, 2.23 server migrations, 2.24 abort, 2.25
#: block_migration "auto", 2.30 live-migrate "force", 2.47 embedded
#: flavor, 2.53 service uuids and PUT, 2.59 migration uuid and paging,
#: 2.61 flavor extra_specs, 2.65 abort while queued/preparing, 2.68
#: "force" removed, 2.80 migration user_id/project_id.
MAX = v('2.80')


def _requested(environ):
    """The version text the request names, or None."""
    new = environ.get('HTTP_OPENSTACK_API_VERSION')
    if new:
        # "compute 2.30", possibly with other services: "image 2.5,
        # compute 2.30".
        for part in new.split(','):
            words = part.split()
            if len(words) == 2 and words[0].lower() == SERVICE_TYPE:
                return words[1]
    return environ.get('HTTP_X_OPENSTACK_NOVA_API_VERSION') or None


def from_environ(environ, minimum=MIN, maximum=MAX):
    """The Version a request is served at (VersionError if it cannot)."""
    text = _requested(environ)
    if text is None:
        return minimum
    if text.strip().lower() == 'latest':
        return maximum
    version = Version.parse(text)
    if not version.matches(minimum, maximum):
        raise VersionError(
            'Version %s is not supported by the API. Minimum is %s and '
            'maximum is %s.' % (version, minimum, maximum), 406)
    return version


def headers(version):
    """Response headers stating the version served."""
    return [(NEW_HEADER, '%s %s' % (SERVICE_TYPE, version)),
            (LEGACY_HEADER, str(version)),
            ('Vary', VARY)]
