from nova.conf import libvirt
from nova.conf import opts
from nova import test


class ConfTestCase(test.NoDBTestCase):

    def test_libvirt_defaults(self):
        lv = test.CONF.libvirt
        self.assertEqual(500, lv.live_migration_downtime)
        self.assertEqual(10, lv.live_migration_downtime_steps)
        self.assertEqual(75, lv.live_migration_downtime_delay)
        self.assertEqual(800, lv.live_migration_completion_timeout)
        self.assertEqual('abort', lv.live_migration_timeout_action)
        self.assertFalse(lv.live_migration_permit_post_copy)
        self.assertFalse(lv.live_migration_permit_auto_converge)
        self.assertEqual(0, lv.live_migration_bandwidth)
        self.assertEqual([], lv.pmem_namespaces)

    def test_minimums_enforced(self):
        by_name = {opt.name: opt for opt in libvirt.ALL_OPTS}
        for name, bad, good in (
                ('live_migration_downtime', 99, 100),
                ('live_migration_downtime_steps', 2, 3),
                ('live_migration_downtime_delay', 2, 3),
                ('live_migration_completion_timeout', -1, 0),
                ('live_migration_timeout_action', 'pause',
                 'force_complete')):
            opt_type = by_name[name].type
            self.assertRaises(ValueError, opt_type, bad)
            self.assertEqual(good, opt_type(good))

    def test_placement_embedded_by_default(self):
        self.assertEqual('sqlite://',
                         test.CONF.placement.embedded_connection)
        self.assertIsNone(test.CONF.placement.endpoint_override)

    def test_database_default_is_sqlite(self):
        self.assertTrue(test.CONF.database.connection.startswith(
            'sqlite:///'))

    def test_every_option_has_help(self):
        for group, options in opts.list_opts():
            for opt in options:
                self.assertTrue(opt.help, '%s.%s has no help' % (group,
                                                                 opt.name))


class PlacementAdapterTestCase(test.NoDBTestCase):

    def test_http_endpoint_without_auth_uses_noauth_token(self):
        from nova.scheduler.client import placement
        self.flags(group='placement', endpoint_override='http://pl:8778',
                   noauth_token='secret')
        self.assertFalse(placement.is_embedded(test.CONF))
        with placement.report_client(test.CONF) as client:
            adapter = client._adapter
        self.assertEqual('http://pl:8778', adapter.endpoint_override)
        self.assertEqual('placement', adapter.service_type)
        self.assertEqual({'x-auth-token': 'secret'},
                         adapter.session.additional_headers)

    def test_auth_plugin_loaded_from_config(self):
        from keystoneauth1 import noauth
        from nova.scheduler.client import placement
        self.flags(group='placement', auth_type='none',
                   endpoint_override='http://pl:8778')
        with placement.report_client(test.CONF) as client:
            adapter = client._adapter
        self.assertEqual('placement', adapter.service_type)
        self.assertIsInstance(adapter.auth, noauth.NoAuth)
