"""A restarted source compute settles the live migrations it was running.

When a compute service dies during a live migration its hypervisor (a
libvirtd, or the simulated hypervisor's own process) lives on, and with it
the migration job.  On start-up the service finds every unfinished live
migration it is the source of and that no monitor of this process
follows, waits for the hypervisor's job to end (aborting it after
``[libvirt] live_migration_completion_timeout`` when it would not), and
then settles it from where the guest actually runs
(:mod:`nova.compute.settle`): complete if it runs on the destination, roll
back if it still runs here, hold for an operator otherwise.  No guest is
destroyed before its other copy is known, and nothing claimed stays.

Upstream Nova marks such migrations ``error`` and leaves the clean-up to
the operator.
"""

from oslo_log import log as logging

from nova import exception
from nova import objects
from nova.objects import fields

LOG = logging.getLogger(__name__)
STATUS = fields.MigrationStatus
#: Seconds between two looks at a job left running by a dead service.
POLL_INTERVAL = 0.5


def _orphans(manager, ctxt):
    for mig in objects.Migration.get_in_progress_by_host_and_node(
            ctxt, manager.host, manager.rt.nodename):
        if (mig.migration_type != fields.MigrationType.LIVE_MIGRATION
                or mig.source_compute != manager.host
                or mig.status == STATUS.QUEUED):
            # A queued migration is still the conductor's.
            continue
        try:
            inst = objects.Instance.get_by_uuid(ctxt, mig.instance_uuid)
        except exception.InstanceNotFound:
            continue
        if manager.driver.is_monitoring(inst.uuid):
            continue  # this process still runs it
        yield inst, mig


def recover_live_migrations(manager, ctxt):
    """Settle the live migrations a previous run of this source left."""
    for inst, mig in _orphans(manager, ctxt):
        LOG.warning('Live migration %s of %s to %s was left %s by a '
                    'previous run of this service; settling it',
                    mig.uuid, inst.uuid, mig.dest_compute, mig.status)
        ended = manager.driver.wait_for_migration_job(inst, POLL_INTERVAL)
        if not ended:
            LOG.error('The migration job of %s did not end; it was aborted',
                      inst.uuid)
        settlement = manager.settle_where_guest_runs(ctxt, inst,
                                                     mig.dest_compute)
        LOG.warning('Live migration %s of %s settled after a restart: %s '
                    '(%s)', mig.uuid, inst.uuid, settlement.status,
                    settlement.reason)
        manager.apply_settlement(ctxt, inst, mig.dest_compute, mig,
                                 settlement)
