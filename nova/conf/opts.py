"""Entry point for oslo-config-generator and the configuration reference."""

import collections

from nova.conf import api
from nova.conf import base
from nova.conf import database
from nova.conf import libvirt
from nova.conf import placement

_MODULES = (api, base, database, libvirt, placement)


def list_opts():
    grouped = collections.OrderedDict()
    for module in _MODULES:
        for group, opts in module.list_opts().items():
            grouped.setdefault(group, []).extend(opts)
    return list(grouped.items())
