"""Base class of the tests against real libvirt daemons (the lab)."""

import time

from testtools import content

from nova import objects
from nova.objects import fields
from nova import test
from nova.tests.real_libvirt import lab as lab_mod
from nova.virt.libvirt import job

STATUS = fields.MigrationStatus

# Every migration is bounded: 30 s per GiB counted (the 256 MiB guest
# counts as 2 GiB) and then aborted, unless a test says otherwise.
BASE_OPTS = {
    'live_migration_completion_timeout': 30,
    'live_migration_status_save_interval': 1,
}


class RealLibvirtTestCase(test.NoDBTestCase):
    """Drives the lab's hosts ``a`` and ``b`` through LibvirtDriver.

    Skipped, with the reason, when the lab is not available.
    """

    def setUp(self):
        super().setUp()
        try:
            self.lab = lab_mod.load()
        except lab_mod.Unavailable as exc:
            self.skipTest(str(exc))
        self.flags(state_path=self.lab.state_path)
        self.timings = []
        self.current_console = None
        self.addCleanup(self._attach_timings)
        self.addOnException(self._attach_console)

    def _attach_console(self, exc_info):
        """On a failure, show the end of the guest's console."""
        if self.current_console is not None:
            self.addDetail('guest-console', content.text_content(
                self.current_console.tail(40)))

    def _attach_timings(self):
        if self.timings:
            self.addDetail('timings', content.text_content('\n'.join(
                '%s: %.1f s' % item for item in self.timings)))

    def drivers(self, **opts):
        """(source driver on a, destination driver on b)."""
        merged = dict(BASE_OPTS, **opts)
        return (self.lab.driver('a', self.conf_fixture.conf, **merged),
                self.lab.driver('b', self.conf_fixture.conf))

    def boot(self, driver, instance):
        """Spawn through the driver; wait until the workload runs."""
        self.addCleanup(self.lab.destroy_everywhere, instance.uuid)
        start = time.monotonic()
        driver.spawn(instance)
        console = self.lab.console(instance)
        console.wait_ready()
        console.wait_alive(beats=1)
        self.timings.append(('boot', time.monotonic() - start))
        return console

    def migrate(self, source, dest, instance, hooks=(), dest_xml=None,
                purpose=None):
        """Live-migrate through the driver; returns (outcome, saves).

        ``hooks`` are (seconds, fn(instance)): each is called once, from
        the monitor's progress callback, at the first save at least
        ``seconds`` after the migration started.
        """
        migration_obj = lab_mod.migration(instance)
        saves = []
        pending = list(hooks)
        start = time.monotonic()

        def on_progress(mig):
            now = time.monotonic() - start
            saves.append((round(now, 2), mig.status))
            for hook in list(pending):
                if now >= hook[0]:
                    pending.remove(hook)
                    hook[1](instance)

        outcome = source.live_migration(
            instance, 'b', migration_obj, dest_xml=dest_xml,
            on_progress=on_progress,
            target_connect_addr=dest.live_migration_inbound_addr,
            purpose=purpose)
        self.timings.append(('migration', time.monotonic() - start))
        self.assertEqual(outcome.status, migration_obj.status)
        return outcome, saves

    def check_completed(self, outcome, instance):
        """The domain runs on b; the outcome is libvirt's own record."""
        self.assertEqual(STATUS.COMPLETED, outcome.status, outcome.error)
        self.assert_on('b', instance)
        stats = self.completed_job('b', instance)
        self.assertEqual(job.JOB_COMPLETED, stats.type)
        self.assertEqual(stats.time_elapsed / 1000.0, outcome.total_time_s)
        self.assertEqual(stats.downtime, outcome.downtime_ms)
        self.assertEqual(stats.data_processed, outcome.bytes_moved)
        self.assertEqual(stats.memory_iteration, outcome.iterations)
        return stats

    def completed_job(self, name, instance):
        """libvirt's own statistics of the last job on host ``name``."""
        return self.lab.observer(name).completed_job_info(
            self.lab.uris[name], instance.uuid)

    def assert_on(self, name, instance):
        """The domain runs on ``name`` and nowhere else."""
        self.assertEqual({name: True}, self.lab.where(instance.uuid))

    def new_instance(self, **kwargs):
        instance = lab_mod.instance(**kwargs)
        self.current_console = self.lab.console(instance)
        return instance


def vpmem_device(path, size, label='LAB', name='ns0', align=2 * 1024 ** 2):
    return objects.LibvirtVPMEMDevice(label=label, name=name, size=size,
                                      devpath=path, align=align)


def resources(provider_uuid, *devices):
    return objects.ResourceList(objects=[
        objects.Resource(provider_uuid=provider_uuid,
                         resource_class='CUSTOM_PMEM_NAMESPACE_%s' % d.label,
                         identifier=d.name, metadata=d)
        for d in devices])
