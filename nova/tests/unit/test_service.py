"""A service process's heartbeat: what it does when it reports again."""

import fixtures

from nova import test


class _Ref(object):
    """The service's row as its heartbeat reads it back."""

    def __init__(self):
        self.forced_down = False
        self.fail = False

    def heartbeat(self):
        if self.fail:
            raise IOError('the conductor is away')


class HeartbeatTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        from nova import service

        self.flags(service_down_time=60, report_interval=10)
        self.svc = service.Service('h1')
        self.svc.binary = 'nova-compute'
        self.svc.service_ref = self.ref = _Ref()
        self.svc._last_report = 0.0
        self.now = 0.0
        self.useFixture(fixtures.MockPatch('nova.service.time.monotonic',
                                           side_effect=lambda: self.now))
        self.reconnected = self.useFixture(fixtures.MockPatchObject(
            self.svc, 'reconnected')).mock

    def report(self, after=10.0):
        self.now += after
        self.svc._report()

    def test_forced_down_cleared_cleans_up_once(self):
        self.report()
        self.ref.forced_down = True
        self.report()
        self.report()
        self.reconnected.assert_not_called()
        self.ref.forced_down = False
        self.report()
        self.assertEqual(1, self.reconnected.call_count)
        self.report()
        self.assertEqual(1, self.reconnected.call_count)

    def test_long_silence_cleans_up(self):
        self.report()
        self.report(after=61.0)
        self.assertEqual(1, self.reconnected.call_count)

    def test_failed_heartbeat_changes_nothing(self):
        self.ref.forced_down = True
        self.report()
        self.ref.fail = True
        self.ref.forced_down = False
        self.report()
        self.reconnected.assert_not_called()
