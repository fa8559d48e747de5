"""Power states of a guest as the compute service reports them.

The hypervisor's own states (libvirt's virDomainState) are mapped onto
these few by the virt driver; everything above the driver -- the compute
manager deciding how a move ended, the consistency audit, the start-up
that reconciles the database with the hypervisor -- works on these.
``None`` stands for "no domain of that instance on that host".
"""

RUNNING = 'running'
PAUSED = 'paused'
SHUTDOWN = 'shutdown'
CRASHED = 'crashed'
SUSPENDED = 'suspended'
NOSTATE = 'nostate'

#: States in which the guest's memory lives on that host.
ALIVE = (RUNNING, PAUSED, SUSPENDED)
