"""Per-host configuration of an in-process deployment."""

from oslo_config import cfg

from nova import deployment
from nova import test


class HostConfTestCase(test.NoDBTestCase):

    def test_inherits_and_overrides(self):
        self.flags(group='libvirt', live_migration_downtime=700)
        conf = deployment.host_conf({'pmem_namespaces': ['A:ns0'],
                                     'live_migration_permit_post_copy':
                                         True})
        self.assertEqual(700, conf.libvirt.live_migration_downtime)
        self.assertEqual(['A:ns0'], conf.libvirt.pmem_namespaces)
        self.assertTrue(conf.libvirt.live_migration_permit_post_copy)
        self.assertFalse(
            deployment.CONF.libvirt.live_migration_permit_post_copy)

    def test_unknown_option(self):
        exc = self.assertRaises(cfg.NoSuchOptError, deployment.host_conf,
                                {'live_migration_dowtnime': 1})
        self.assertIn('live_migration_dowtnime', str(exc))

    def test_bad_value(self):
        self.assertRaises(ValueError, deployment.host_conf,
                          {'live_migration_downtime': 'soon'})

    def test_hosts_keep_their_own_values(self):
        # Nothing is read before the second host is configured: values
        # must not be shared through oslo.config's per-group option state.
        first = deployment.host_conf({'live_migration_completion_timeout':
                                      30})
        second = deployment.host_conf({})
        self.assertEqual(30, first.libvirt.live_migration_completion_timeout)
        self.assertEqual(800,
                         second.libvirt.live_migration_completion_timeout)

    def test_default_group_options(self):
        self.flags(max_concurrent_live_migrations=3)
        self.assertEqual(
            3, deployment.host_conf().max_concurrent_live_migrations)
        conf = deployment.host_conf(
            default_opts={'max_concurrent_live_migrations': 0})
        self.assertEqual(0, conf.max_concurrent_live_migrations)
        self.assertRaises(cfg.NoSuchOptError, deployment.host_conf,
                          default_opts={'max_concurent': 1})
        self.assertRaises(ValueError, deployment.host_conf,
                          default_opts={'max_concurrent_live_migrations':
                                        -1})
