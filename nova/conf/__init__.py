"""Configuration options, one module per group.

``nova.conf.CONF`` is the process-wide ConfigOpts with every option
registered; code reads options from it, decision functions take values.
"""

from oslo_config import cfg

from nova.conf import api
from nova.conf import base
from nova.conf import database
from nova.conf import libvirt
from nova.conf import placement

CONF = cfg.CONF

api.register_opts(CONF)
base.register_opts(CONF)
database.register_opts(CONF)
libvirt.register_opts(CONF)
placement.register_opts(CONF)
