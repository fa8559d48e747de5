"""Run one case under one policy, through the real driver and monitor loop.

The source host's ``LibvirtDriver`` gets the policy's ``[libvirt]``
options and its monitor (``monitor_factory``).  A policy that knows SLA
tiers and purposes (the project's) gets instances whose flavor names
their tier and migrations with the case's purpose; the others get neither
(they are judged against the same limits all the same).  Each guest is
spawned by
the driver and migrated by ``driver.live_migration`` in a thread of its
own, at most ``max_concurrent`` at once (the slots the compute manager
uses for ``[DEFAULT] max_concurrent_live_migrations``).  The threads are
participants of the coordinated virtual clock: time passes once for all,
and the run gives the same numbers every time.
"""

import threading
import time

from oslo_utils import uuidutils

import nova.conf
from nova import deployment
from nova import exception
from nova import objects
from nova.bench import simenv
from nova.objects import fields
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host as libvirt_host
from nova.virt import sla

CONF = nova.conf.CONF


def instance_for(case, guest, with_tier=True):
    """The guest's instance; its flavor names its SLA tier unless
    ``with_tier`` is False (for policies that know no tiers).
    """
    specs = {sla.FLAVOR_KEY: guest.tier} if with_tier else {}
    return objects.Instance(
        uuid=simenv.guest_uuid(case, guest), project_id='bench',
        user_id='bench', host=simenv.SRC, node=simenv.SRC,
        vm_state=fields.VMState.ACTIVE, image_ref=None,
        system_metadata={},
        flavor=objects.Flavor(flavorid=guest.kind or 'bench',
                              name=guest.name, vcpus=guest.vcpus,
                              memory_mb=guest.ram_mb,
                              root_gb=guest.disk_gb, extra_specs=specs),
        resources=None, migration_context=None)


def migration_for(instance):
    return objects.Migration(
        uuid=uuidutils.generate_uuid(), instance_uuid=instance.uuid,
        migration_type=fields.MigrationType.LIVE_MIGRATION,
        status=fields.MigrationStatus.QUEUED,
        source_compute=simenv.SRC, dest_compute=simenv.DST)


class Run(object):
    """One case under one policy; :meth:`execute` returns its results."""

    def __init__(self, case, policy):
        self.case = case
        self.policy = policy
        self.ends = {}
        self.errors = {}
        self.statuses = {}

    def execute(self):
        started = time.monotonic()
        world = simenv.World(self.case)
        try:
            conf = deployment.host_conf(self.policy.libvirt_opts, base=CONF)
            driver = libvirt_driver.LibvirtDriver(
                libvirt_host.Host(simenv.SRC_URI), conf,
                monitor_factory=self.policy.monitor)
            instances = []
            for guest in self.case.guests:
                instance = instance_for(self.case, guest,
                                        with_tier=self.policy.knows_sla)
                driver.spawn(instance)
                instances.append((guest, instance))
            world.start_workloads()
            self._migrate_all(world.clock, driver, instances)
            results = [dict(world.result(guest), guest=guest.name,
                            end_s=round(self.ends.get(guest.name, 0.0), 3),
                            status=self.statuses.get(guest.name),
                            error=self.errors.get(guest.name))
                       for guest, _i in instances]
            simulated = world.clock.now()
        finally:
            world.close()
        return {'results': results, 'simulated_s': simulated,
                'real_s': time.monotonic() - started}

    def _migrate_all(self, clock, driver, instances):
        slots = clock.slots(self.policy.max_concurrent)
        # Policies that know no purposes get none (the driver's default).
        purpose = self.case.purpose if self.policy.knows_sla else None

        def one(guest, instance):
            with clock.participant():
                with slots:
                    try:
                        outcome = driver.live_migration(
                            instance, simenv.DST, migration_for(instance),
                            block_migration=guest.block,
                            copied_disk_gb=((guest.disk_gb,) if guest.block
                                            else ()), purpose=purpose)
                    except exception.NovaException as exc:
                        self.statuses[guest.name] = 'exception'
                        self.errors[guest.name] = str(exc)
                    else:
                        self.statuses[guest.name] = str(outcome.status)
                        self.errors[guest.name] = outcome.error
                    self.ends[guest.name] = clock.now()
        threads = []
        with clock.coordinate():
            with clock.hold():
                for guest, instance in instances:
                    thread = threading.Thread(
                        target=one, args=(guest, instance),
                        name='bench-%s' % guest.name, daemon=True)
                    thread.start()
                    threads.append(thread)
                    clock.settle()
            for thread in threads:
                thread.join()


def run(case, policy):
    return Run(case, policy).execute()
