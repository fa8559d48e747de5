"""Claims abort themselves when the block they guard fails."""

from unittest import mock

from nova.compute import claims
from nova import objects
from nova import test


class ClaimTestCase(test.NoDBTestCase):

    def test_usage_of_flavor_and_resources(self):
        flavor = objects.Flavor(flavorid='f', name='f', vcpus=2,
                                memory_mb=512, root_gb=5, swap=1536)
        resources = [mock.Mock(identifier='ns0')]
        usage = claims.Usage.of(flavor, resources)
        self.assertEqual(claims.Usage(2, 512, 7, frozenset(['ns0'])), usage)
        self.assertEqual(claims.Usage(4, 1024, 14, frozenset(['ns0'])),
                         usage + usage)

    def test_exception_aborts_once(self):
        tracker = mock.Mock()
        claim = claims.Claim(tracker, mock.Mock(), claims.Usage())

        def fail():
            with claim:
                raise KeyError('boom')
        self.assertRaises(KeyError, fail)
        claim.abort()
        tracker.abort_instance_claim.assert_called_once_with(claim.instance)

    def test_success_keeps_the_claim(self):
        tracker = mock.Mock()
        with claims.MoveClaim(tracker, mock.Mock(), claims.Usage(),
                              mock.Mock()) as claim:
            pass
        self.assertFalse(claim.aborted)
        tracker.drop_move_claim.assert_not_called()

    def test_move_claim_abort_drops_move(self):
        tracker, migration = mock.Mock(), mock.Mock()
        claim = claims.MoveClaim(tracker, mock.Mock(), claims.Usage(),
                                 migration)
        claim.abort()
        tracker.drop_move_claim.assert_called_once_with(claim.instance,
                                                        migration)
