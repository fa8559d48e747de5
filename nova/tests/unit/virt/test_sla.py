"""The SLA tiers and purposes: plain data, one rule per test."""

import ddt

from nova.objects import fields
from nova import test
from nova.virt import sla

PURPOSE = fields.MigrationPurpose


@ddt.ddt
class TiersTestCase(test.NoDBTestCase):

    @ddt.data(
        # (tier, downtime, stop, throttle, post-copy, pause, traits)
        ('cattle', 2000, 30000, 99, sla.PostCopy.YES, True,
         {'COMPUTE_MIGRATE_POST_COPY'}),
        ('pet', 1000, 1000, 50, sla.PostCopy.RECOVERABLE, False, set()),
        ('panda', 300, 300, 30, sla.PostCopy.NO, False,
         {'COMPUTE_MIGRATE_AUTO_CONVERGE'}),
    )
    @ddt.unpack
    def test_tiers(self, name, downtime, stop, throttle, post_copy, pause,
                   traits):
        tier = sla.tier(name)
        self.assertEqual((downtime, stop, throttle, post_copy, pause),
                         (tier.downtime_ms, tier.stop_ms, tier.throttle_pct,
                          tier.post_copy, tier.pause))
        self.assertEqual(frozenset(traits), tier.required_traits)

    def test_names_and_default(self):
        self.assertEqual(('cattle', 'pet', 'panda'), sla.TIER_NAMES)
        self.assertEqual('pet', sla.DEFAULT_TIER)
        self.assertEqual(fields.SLATier.ALL, sla.TIER_NAMES)
        self.assertRaisesRegex(KeyError, 'known: cattle, pet, panda',
                               sla.tier, 'pets')

    def test_every_tier_is_within_the_next_ones_allowance(self):
        # Each tier allows at most what the one before it does.
        tiers = [sla.tier(n) for n in sla.TIER_NAMES]
        for loose, strict in zip(tiers, tiers[1:]):
            self.assertGreaterEqual(loose.downtime_ms, strict.downtime_ms)
            self.assertGreaterEqual(loose.stop_ms, strict.stop_ms)
            self.assertGreaterEqual(loose.throttle_pct, strict.throttle_pct)
            self.assertGreaterEqual(loose.pause, strict.pause)


@ddt.ddt
class LimitsTestCase(test.NoDBTestCase):

    @ddt.data(PURPOSE.EVACUATE_HOST, PURPOSE.MAINTENANCE, None)
    def test_purposes_with_levers_keep_the_tier(self, purpose):
        limits = sla.limits('cattle', purpose,
                            tier_source='flavor compute:live_migration_sla'
                                        '=cattle')
        self.assertEqual(purpose or PURPOSE.MAINTENANCE, limits.purpose)
        self.assertEqual(99, limits.throttle_pct.value)
        self.assertIs(sla.PostCopy.YES, limits.post_copy.value)
        self.assertTrue(limits.pause.value)
        self.assertEqual('tier cattle (flavor compute:live_migration_sla='
                         'cattle)', limits.pause.source)

    def test_rebalance_narrows_the_levers_not_the_stops(self):
        limits = sla.limits('cattle', PURPOSE.REBALANCE)
        self.assertEqual(2000, limits.downtime_ms.value)
        self.assertEqual(30000, limits.stop_ms.value)
        self.assertEqual(0, limits.throttle_pct.value)
        self.assertIs(sla.PostCopy.NO, limits.post_copy.value)
        self.assertIs(False, limits.pause.value)
        for limit in (limits.throttle_pct, limits.post_copy, limits.pause):
            self.assertIn('purpose rebalance', limit.source)
        self.assertFalse(limits.allows_post_copy(True))

    @ddt.data(('cattle', False, True), ('cattle', True, True),
              ('pet', False, False), ('pet', True, True),
              ('panda', True, False))
    @ddt.unpack
    def test_allows_post_copy(self, tier, recoverable, allowed):
        self.assertEqual(allowed,
                         sla.limits(tier).allows_post_copy(recoverable))

    def test_as_dict(self):
        doc = sla.limits('pet').as_dict()
        self.assertEqual({'tier': 'pet', 'purpose': 'maintenance',
                          'downtime_ms': 1000, 'stop_ms': 1000,
                          'throttle_pct': 50, 'post_copy': 'recoverable',
                          'pause': False},
                         {k: v for k, v in doc.items()
                          if not k.endswith('_source')})
        self.assertEqual('tier pet', doc['downtime_ms_source'])

    def test_purposes(self):
        self.assertTrue(sla.purpose(PURPOSE.EVACUATE_HOST).forces_at_timeout)
        self.assertFalse(sla.purpose(PURPOSE.MAINTENANCE).forces_at_timeout)
        self.assertTrue(sla.purpose(PURPOSE.REBALANCE).gives_up_at_once)
        self.assertFalse(sla.purpose(PURPOSE.REBALANCE).levers)
        self.assertEqual(PURPOSE.MAINTENANCE, sla.purpose(None).name)
