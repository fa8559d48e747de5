"""settle(): how a move ended, from where the guest runs."""

import ddt

from nova.compute import power_state as ps
from nova.compute import settle
from nova.objects import fields
from nova import test

S = fields.MigrationStatus
V = settle.Verdict
U = settle.UNREACHABLE
ABSENT = None


@ddt.ddt
class SettleTestCase(test.NoDBTestCase):

    @ddt.data(
        # source, dest, reported, postcopy started -> verdict, status
        # The ordinary endings.
        (ABSENT, ps.RUNNING, S.COMPLETED, False, V.COMPLETE, S.COMPLETED),
        (ps.SHUTDOWN, ps.RUNNING, S.COMPLETED, True, V.COMPLETE,
         S.COMPLETED),
        (ps.RUNNING, ABSENT, S.FAILED, False, V.ROLLBACK, S.FAILED),
        (ps.RUNNING, ABSENT, S.CANCELLED, False, V.ROLLBACK, S.CANCELLED),
        (ps.RUNNING, U, S.FAILED, False, V.ROLLBACK, S.FAILED),
        # Reported a failure, but the guest moved: complete.
        (ABSENT, ps.RUNNING, S.FAILED, False, V.COMPLETE, S.COMPLETED),
        (ABSENT, ps.RUNNING, None, False, V.COMPLETE, S.COMPLETED),
        # Reported lost, but the guest is whole on the source.
        (ps.RUNNING, ABSENT, S.ERROR, True, V.ROLLBACK, S.FAILED),
        # Paused on the source in pre-copy, a leftover on the destination.
        (ps.PAUSED, ps.PAUSED, S.FAILED, False, V.ROLLBACK, S.FAILED),
        (ps.PAUSED, ABSENT, S.CANCELLED, False, V.ROLLBACK, S.CANCELLED),
        (ps.RUNNING, ps.PAUSED, S.FAILED, False, V.ROLLBACK, S.FAILED),
        # A paused guest that moved.
        (ABSENT, ps.PAUSED, S.COMPLETED, False, V.COMPLETE, S.COMPLETED),
        # Nowhere: lost (nothing alive to destroy).
        (ps.CRASHED, ABSENT, S.ERROR, True, V.LOST, S.ERROR),
        (ABSENT, U, S.ERROR, True, V.LOST, S.ERROR),
        (ps.SHUTDOWN, ps.SHUTDOWN, S.FAILED, False, V.LOST, S.ERROR),
        (ABSENT, ABSENT, S.COMPLETED, False, V.LOST, S.ERROR),
        # Completed, then the destination vanished: it moved.
        (ABSENT, U, S.COMPLETED, False, V.COMPLETE, S.COMPLETED),
        # Hold: never destroy a copy that may be the only one.
        (ps.RUNNING, ps.RUNNING, S.COMPLETED, False, V.HOLD, S.ERROR),
        (ps.PAUSED, ps.PAUSED, S.ERROR, True, V.HOLD, S.ERROR),
        (ps.PAUSED, ps.RUNNING, S.ERROR, True, V.HOLD, S.ERROR),
        (ps.PAUSED, U, S.ERROR, True, V.HOLD, S.ERROR),
        (ps.PAUSED, ABSENT, S.ERROR, True, V.HOLD, S.ERROR),
        (ABSENT, ps.PAUSED, S.ERROR, True, V.HOLD, S.ERROR),
        (U, ps.PAUSED, S.FAILED, False, V.HOLD, S.ERROR),
    )
    @ddt.unpack
    def test_table(self, source, dest, reported, postcopy, verdict, status):
        result = settle.settle(source, dest, reported,
                               postcopy_started=postcopy)
        self.assertEqual((verdict, status), (result.verdict, result.status),
                         result.reason)
        # The reason says where the guest was seen.
        self.assertIn('source: ', result.reason)

    def test_job_still_running_holds(self):
        result = settle.settle(ps.RUNNING, ps.PAUSED, S.ERROR,
                               job_ended=False)
        self.assertEqual(V.HOLD, result.verdict)
        self.assertIn('did not end', result.reason)

    def test_no_verdict_destroys_the_only_running_copy(self):
        # Property over every combination: a ROLLBACK (which destroys the
        # destination's domain) never happens when only the destination
        # runs the guest, and nothing but HOLD happens when both run.
        states = (ABSENT, U, ps.RUNNING, ps.PAUSED, ps.SHUTDOWN,
                  ps.CRASHED)
        for source in states:
            for dest in states:
                for reported in (None, S.COMPLETED, S.FAILED, S.CANCELLED,
                                 S.ERROR):
                    for postcopy in (False, True):
                        verdict = settle.settle(source, dest, reported,
                                                postcopy).verdict
                        if dest == ps.RUNNING:
                            self.assertNotEqual(V.ROLLBACK, verdict)
                            self.assertNotEqual(V.LOST, verdict)
                        if source == ps.RUNNING:
                            self.assertNotEqual(V.COMPLETE, verdict)
                            self.assertNotEqual(V.LOST, verdict)
