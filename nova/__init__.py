"""Live-migration control plane of the Nova libvirt driver."""

import warnings

# oslo.versionedobjects imports oslo.service, which imports eventlet; this
# project never monkey-patches or runs eventlet, so its deprecation notice
# is only noise on every command.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
