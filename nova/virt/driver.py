"""The virt driver interface: all the compute service asks of a hypervisor.

The compute manager, its resource tracker and the recovery of moves call
only these methods; ``nova.virt.libvirt.driver.LibvirtDriver`` implements
them for a real libvirtd or the simulated hypervisor.  Nothing outside
``nova/virt`` imports a driver's own modules.
"""


class ComputeDriver(object):
    """Base of the drivers; every method here must be implemented."""

    # -- what the host offers ----------------------------------------------

    def get_available_resource(self, nodename):
        """{'vcpus', 'memory_mb', 'local_gb'} of the node."""
        raise NotImplementedError()

    def get_traits(self):
        """The capability traits the hypervisor supports (a set)."""
        raise NotImplementedError()

    def get_vpmems(self):
        """{label: [LibvirtVPMEMDevice]} of the host's vPMEM namespaces."""
        raise NotImplementedError()

    def vpmem_inventory(self, vpmems):
        """Placement inventory ({resource class: inventory}) of
        ``vpmems``, as get_vpmems returns them.
        """
        raise NotImplementedError()

    def assign_vpmems(self, instance_uuid, host, labels, vpmems,
                      provider_uuid, allocated, in_use):
        """The namespaces an instance gets (a ResourceList) from its
        Placement allocation; raises VPMEMAssignmentFailed.
        """
        raise NotImplementedError()

    def cleanup_vpmems_devices(self, devices):
        """Zero the namespaces; raises PmemCommandFailed."""
        raise NotImplementedError()

    # -- guests ---------------------------------------------------------------

    def spawn(self, instance):
        raise NotImplementedError()

    def destroy(self, instance):
        raise NotImplementedError()

    def guest_power_state(self, instance):
        """nova.compute.power_state of the guest here; None: no domain."""
        raise NotImplementedError()

    # -- live migration -------------------------------------------------------

    def migration_policy(self, instance, paused=False):
        """The instance's resolved live-migration policy here
        (nova.virt.migration_policy.MigrationPolicy), from this host's
        configuration; raises the resolver's typed error.
        """
        raise NotImplementedError()

    def live_migration_flags(self, instance, block_migration=False,
                             paused=False):
        """The hypervisor's flags for a live migration of the instance
        from here (an int).
        """
        raise NotImplementedError()

    def live_migration(self, instance, dest_host, migration_obj, **kwargs):
        """Run the migration to its end; returns the driver's outcome."""
        raise NotImplementedError()

    def is_monitoring(self, instance_uuid):
        """Whether this driver follows a migration of the instance now."""
        raise NotImplementedError()

    def wait_for_migration_job(self, instance, poll_interval):
        """Wait for a migration job nobody follows to end (a restarted
        service); False if it had to be aborted.
        """
        raise NotImplementedError()
