from oslo_config import cfg

libvirt_group = cfg.OptGroup(
    'libvirt',
    title='Libvirt options',
    help="""
Options for the libvirt driver, of which this project implements the
live-migration control plane.
""")

live_migration_opts = [
    cfg.IntOpt(
        'live_migration_downtime',
        default=500,
        min=100,
        max=60000,
        help="""
Maximum permitted downtime, in milliseconds, for the switch-over of a live
migration.

The monitor raises the downtime QEMU may use in steps up to this value (see
``live_migration_downtime_steps`` and ``live_migration_downtime_delay``).
A value below 100 ms is refused at start-up because it rarely lets a busy
guest converge; one above 60000 ms (a minute) is refused too.
"""),
    cfg.IntOpt(
        'live_migration_downtime_steps',
        default=10,
        min=3,
        max=1000,
        help="""
Number of incremental steps used to reach ``live_migration_downtime``.

The first step allows ``live_migration_downtime / steps`` milliseconds, the
last the full ``live_migration_downtime``.
"""),
    cfg.IntOpt(
        'live_migration_downtime_delay',
        default=75,
        min=3,
        max=3600,
        help="""
Time to wait, in seconds per GiB of data to transfer, between two downtime
steps.

The data size is the guest RAM in GiB (at least 2) plus, for a block
migration, each copied disk in GiB (at least 2 each).  With the default and
a 4 GiB guest the downtime rises every 300 seconds.
"""),
    cfg.IntOpt(
        'live_migration_completion_timeout',
        default=800,
        min=0,
        max=86400,
        mutable=True,
        help="""
Time, in seconds per GiB of data to transfer, after which a live migration
that has not completed gets ``live_migration_timeout_action``.

The data size is computed as for ``live_migration_downtime_delay``.  The
timeout is not applied once the migration runs in post-copy mode.  ``0``
disables the timeout.
"""),
    cfg.StrOpt(
        'live_migration_timeout_action',
        default='abort',
        choices=[
            ('abort', 'Abort the migration; the guest keeps running on the '
                      'source host.'),
            ('force_complete', 'Force the migration to complete: switch to '
                               'post-copy when the instance uses post-copy, '
                               'otherwise pause the guest until the copy '
                               'finishes.'),
        ],
        mutable=True,
        help="""
What to do when a live migration reaches
``live_migration_completion_timeout``.
"""),
    cfg.BoolOpt(
        'live_migration_permit_post_copy',
        default=None,
        help="""
Use post-copy for live migrations of instances that do not say otherwise.

Unset (the default): each instance's SLA tier decides (see
``live_migration_sla_default`` and the live-migration SLA guide): a
``cattle`` or ``pet`` instance may switch to post-copy when the monitor
predicts pre-copy will not converge within its tier (a pet only where both
hosts can resume a post-copy whose connection broke), a ``panda`` never
does.

``true`` or ``false`` is this host's choice for instances that set neither
``compute:live_migration_post_copy`` (flavor extra spec) /
``compute_live_migration_post_copy`` (image property) nor an SLA tier of
their own (``compute:live_migration_sla``): with ``true`` their migrations
are started so that they can switch to post-copy, with ``false`` they never
do -- the behaviour before SLA tiers existed.  Post-copy is never used for
an instance that asked for auto-converge, one with virtual persistent
memory, a paused one, or in a ``rebalance``.

An instance's own ``true`` or ``false`` always wins over this option, and
its own tier too.  See the live-migration policy guide.
"""),
    cfg.BoolOpt(
        'live_migration_permit_auto_converge',
        default=None,
        help="""
Use auto-converge for live migrations of instances that do not say
otherwise.

Unset (the default): each instance's SLA tier decides: QEMU may throttle
the guest's vCPUs up to the tier's limit (99 % for ``cattle``, 50 % for
``pet``, 30 % for ``panda``; the monitor gives the throttling up before it
would go further), together with post-copy when the tier allows both.

``true`` or ``false`` is this host's choice for instances that set neither
``compute:live_migration_auto_converge`` (flavor extra spec) /
``compute_live_migration_auto_converge`` (image property) nor an SLA tier
of their own: with ``true`` QEMU throttles their vCPUs when they dirty
memory faster than it can be sent, unless post-copy is used -- the
behaviour before SLA tiers existed.  Never in a ``rebalance``.

An instance's own ``true`` or ``false`` always wins over this option, and
its own tier too.
"""),
    cfg.StrOpt(
        'live_migration_sla_default',
        default='pet',
        choices=[
            ('cattle', 'Expendable: a switch-over up to 2 s, stops up to '
                       '30 s (a pause to finish counts), throttling up to '
                       '99 %, post-copy even where a broken one cannot be '
                       'recovered.'),
            ('pet', 'Valued: switch-over and stop up to 1 s, throttling '
                    'up to 50 %, post-copy only where both hosts can '
                    'resume a broken one, never paused.'),
            ('panda', 'High value: switch-over and stop up to 300 ms, '
                      'throttling up to 30 %, never post-copy, never '
                      'paused.'),
        ],
        mutable=True,
        help="""
The SLA tier of instances whose flavor and image name none
(``compute:live_migration_sla`` / ``compute_live_migration_sla``).

The tier bounds what the live-migration monitor may do to the guest: the
largest switch-over downtime and guest-visible stop, how far its vCPUs may
be throttled, whether it may switch to post-copy or pause the guest.
Within those limits the monitor predicts from libvirt's job statistics
whether pre-copy will converge and acts on the prediction; the migration's
purpose (``evacuate-host``, ``maintenance``, ``rebalance``) says how much
finishing matters.  A default tier places no requirement on hosts (an
instance's own ``cattle`` or ``panda`` does).  See the live-migration SLA
guide.
"""),
    cfg.IntOpt(
        'live_migration_bandwidth',
        default=0,
        min=0,
        max=1048576,
        help="""
Maximum bandwidth, in MiB/s, a live migration may use.

``0`` lets the hypervisor choose (libvirt then uses all it can get).
"""),
]

pmem_opts = [
    cfg.ListOpt(
        'pmem_namespaces',
        item_type=cfg.types.String(),
        default=[],
        help="""
Persistent-memory namespaces this host offers to instances, grouped by
label.

Format: ``LABEL:NAMESPACE[|NAMESPACE...][,LABEL:NAMESPACE...]``, for example
``6GB:ns0|ns1|ns2,LARGE:ns3``.  Each label becomes the Placement resource
class ``CUSTOM_PMEM_NAMESPACE_<LABEL>`` whose total is the number of
namespaces listed; a flavor asks for namespaces with ``hw:pmem=LABEL,...``.
Every namespace must exist on the host (``ndctl list -X``) and may be listed
once only.
"""),
]

connection_opts = [
    cfg.StrOpt(
        'virt_type',
        default='kvm',
        choices=[
            ('kvm', 'Hardware-accelerated guests (needs ``/dev/kvm``).'),
            ('qemu', 'Guests emulated by QEMU in software (TCG): slow, but '
                     'runs where KVM does not, for example inside a VM '
                     'without nested virtualization.'),
        ],
        help="""
The domain type of the guests this host defines (``<domain type=...>``).

The simulated hypervisor (``sim://`` URIs) accepts either and ignores it.
"""),
    cfg.StrOpt(
        'connection_uri',
        default='',
        help="""
The libvirt URI of this host's hypervisor.

Empty means ``qemu:///system``.  A URI whose scheme is ``sim`` (for example
``sim://compute1/system``) selects the simulated hypervisor shipped in
``nova.sim``, on which the embedded deployment and the tests run.
"""),
    cfg.HostAddressOpt(
        'live_migration_inbound_addr',
        help="""
The address other hosts send live-migration traffic to when this host is
the destination.

When set, the memory stream of an incoming migration goes to
``tcp://<address>`` (libvirt's ``migrate_uri`` parameter) and QEMU on this
host listens on this address (``listen_address``), instead of whatever the
destination's host name resolves to.  Use it to keep migrations on a
dedicated network, or, with ``127.0.0.1``, between two libvirt daemons on
one machine (libvirt refuses a local address in ``qemu.conf``'s
``migration_host``, but accepts it per migration).
"""),
    cfg.StrOpt(
        'live_migration_uri_template',
        default='',
        help="""
Template of the URI the source host's libvirt uses to reach the
destination's, with ``%s`` replaced by the destination host name.

Empty means ``qemu+tcp://%s/system`` for real libvirt and
``sim://%s/system`` for the simulated one.
"""),
]

boot_opts = [
    cfg.StrOpt(
        'guest_kernel',
        default='',
        help="""
Path of a kernel, on this host, that guests boot directly (``<os><kernel>``)
instead of booting from a disk.

Empty (the default) means guests have no direct-boot kernel.  When set, the
kernel command line is ``console=ttyS0`` followed by the image property
``os_command_line`` of the instance, if any.  The lab that runs the
real-libvirt tests uses it to boot a small Linux guest without any disk
image.  (On a real hypervisor every guest's first serial port is appended
to ``console.log`` in the instance's directory,
``<state_path>/instances/<uuid>``, whether it boots directly or not.)
"""),
    cfg.StrOpt(
        'guest_initrd',
        default='',
        help="""
Path of an initial ramdisk, on this host, given to guests booted with
``guest_kernel`` (``<os><initrd>``).

Ignored unless ``guest_kernel`` is set.
"""),
]

monitor_opts = [
    cfg.StrOpt(
        'live_migration_monitor',
        default='sla',
        choices=[
            ('sla', 'The SLA policy: predicts from libvirt\'s job '
                    'statistics whether pre-copy will converge within the '
                    'instance\'s SLA tier and acts on it (downtime, '
                    'post-copy, throttling, pause, giving up) as the '
                    'migration\'s purpose allows; the timers below bound '
                    'it; a broken post-copy is resumed where both hosts '
                    'can.'),
            ('timers', 'The timers alone, as before SLA tiers (and as '
                       'upstream Nova): the downtime ramp, the completion '
                       'timeout and its action, the progress timeout; no '
                       'prediction, no recovery of a broken post-copy.'),
        ],
        mutable=True,
        help="""
What decides while a live migration runs.

Either way the migration's features (post-copy, auto-converge) are chosen
when it starts by the instance's policy (explicit values, SLA tier, the
``live_migration_permit_*`` options); with ``timers`` set those options to
have them chosen as before SLA tiers.  See the live-migration SLA guide.
"""),
    cfg.IntOpt(
        'live_migration_progress_timeout',
        default=0,
        min=0,
        max=86400,
        mutable=True,
        help="""
Seconds a live migration may go without progress before it is aborted.

Progress means a pre-copy pass starting with less data to send than every
earlier pass (by more than 1 % of the total), or block-migrated disk data
being copied.  The amount left falls to almost nothing within each pass, so
the peaks at the start of passes are compared, not the lows.
A stall is only declared after this long *and* at least two complete
pre-copy passes without progress, so the saw-tooth of memory passes and a
long first pass or disk copy do not trigger it; the timer restarts whenever
the monitor raises the downtime, the guest is throttled more or paused.
The timeout is not applied once the migration runs in post-copy mode.
``0`` disables the check.
"""),
    cfg.IntOpt(
        'live_migration_status_save_interval',
        default=5,
        min=1,
        max=3600,
        help="""
Minimum seconds between two saves of a running migration's progress (status,
memory and disk bytes processed and remaining) to its Migration record.

The monitor polls libvirt every half second; writing every sample would
flood the database.  Status changes (post-copy, completion, failure) are
always saved at once.
"""),
]

ALL_OPTS = (connection_opts + live_migration_opts + monitor_opts +
            pmem_opts + boot_opts)


def register_opts(conf):
    conf.register_group(libvirt_group)
    conf.register_opts(ALL_OPTS, group=libvirt_group)


def list_opts():
    return {libvirt_group: ALL_OPTS}
