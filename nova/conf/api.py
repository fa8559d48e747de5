from oslo_config import cfg

api_group = cfg.OptGroup(
    'api',
    title='Compute API options',
    help="""
The compute API (a subset of Nova's v2.1), the image API subset and the
identity facade, served by ``nova-live-migration serve`` (embedded) and by
``nova-api`` (under gunicorn, in a multi-process deployment).
""")

api_opts = [
    cfg.StrOpt(
        'auth_strategy',
        default='facade',
        choices=[
            ('facade', 'tokens from the built-in Keystone v3 facade under '
                       '``/identity`` (password authentication)'),
            ('none', 'no authentication: every request is served as the '
                     'administrator (trusted local use only)'),
            ('keystone', 'tokens checked by keystonemiddleware against a '
                         'real Keystone (configure ``[keystone_authtoken]``)'),
        ],
        help="""
How requests to the compute and image APIs are authenticated.

With ``facade`` the service answers ``POST /identity/v3/auth/tokens``
itself, so the standard password settings of the OpenStack clients work
(``OS_AUTH_URL=http://HOST:PORT/identity``); every other request must carry
a token it issued.  With ``keystone`` the facade is off and
keystonemiddleware's ``auth_token`` checks every token; roles come from
Keystone.
"""),
    cfg.StrOpt(
        'admin_password',
        secret=True,
        help="""
Password of the facade's ``admin`` user (project ``admin``, roles
``admin`` and ``member``).  Unset: nobody can log in as admin.
``nova-live-migration serve`` generates one and writes it to clouds.yaml
unless this is set.
"""),
    cfg.StrOpt(
        'member_password',
        secret=True,
        help="""
Password of the facade's ``member`` user (project ``demo``, role
``member``).  Unset: the user does not exist.  Members manage servers and
images of their project; operator calls (migrations, evacuation,
services, hypervisors, flavor management) are refused to them with 403.
"""),
    cfg.IntOpt(
        'token_ttl',
        default=3600,
        min=60,
        max=86400,
        help="""
Seconds a token issued by the identity facade stays valid.
"""),
    cfg.IntOpt(
        'max_image_upload_bytes',
        default=1024 ** 3,
        min=0,
        max=1024 ** 4,
        help="""
Largest image upload accepted by ``PUT /image/v2/images/{id}/file``, in
bytes; a larger upload is refused with 413.  The data is measured and
checksummed but not kept: simulated hypervisors do not boot it.
"""),
    cfg.FloatOpt(
        'live_migration_accept_timeout',
        default=60.0,
        min=1.0,
        max=3600.0,
        help="""
Real seconds a live-migration request waits for the migration to be
accepted (pre-checks passed, destination claimed, the source started it)
before the API answers.  A refusal in that time is answered with its
error (400, 409); after it the API answers 202 and the migration goes on
in the background.
"""),
]

server_opts = [
    cfg.HostAddressOpt(
        'listen',
        default='0.0.0.0',
        help="""
Address ``nova-api`` listens on (an IP address or a host name; ``::`` for
every IPv6 address).  ``nova-live-migration serve`` takes ``--bind``
instead.
"""),
    cfg.PortOpt(
        'listen_port',
        default=8774,
        min=1,
        help="""
TCP port ``nova-api`` listens on.
"""),
    cfg.IntOpt(
        'workers',
        default=2,
        min=1,
        max=64,
        help="""
Number of gunicorn worker processes of ``nova-api``.  Workers share
nothing but the database and the message bus: flavors, images, the
services' settings and the identity facade's tokens live in the database,
so any worker answers any request.
"""),
    cfg.IntOpt(
        'threads',
        default=8,
        min=1,
        max=256,
        help="""
Requests each ``nova-api`` worker serves at once (gunicorn's ``gthread``
worker).  A live-migration request may hold its thread for up to
``live_migration_accept_timeout`` seconds.
"""),
]

ALL_OPTS = api_opts + server_opts


def register_opts(conf):
    conf.register_group(api_group)
    conf.register_opts(ALL_OPTS, group=api_group)


def list_opts():
    return {api_group: ALL_OPTS}
