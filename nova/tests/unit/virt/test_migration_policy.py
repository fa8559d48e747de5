"""Every rule of the migration-policy resolver, one ddt row each."""

import ddt

from nova import exception
from nova import objects
from nova import test
from nova.virt import migration_policy as mp

AC_TRAIT = 'COMPUTE_MIGRATE_AUTO_CONVERGE'
PC_TRAIT = 'COMPUTE_MIGRATE_POST_COPY'
F, I, C = mp.Origin.FLAVOR, mp.Origin.IMAGE, mp.Origin.CONFIG


def _flavor(ac=None, pc=None, pmem=None):
    specs = {}
    if ac is not None:
        specs['compute:live_migration_auto_converge'] = ac
    if pc is not None:
        specs['compute:live_migration_post_copy'] = pc
    if pmem is not None:
        specs['hw:pmem'] = pmem
    return objects.Flavor(flavorid='f', name='f', vcpus=1, memory_mb=512,
                          extra_specs=specs)


def _image(ac=None, pc=None):
    props = {}
    if ac is not None:
        props['compute_live_migration_auto_converge'] = ac
    if pc is not None:
        props['compute_live_migration_post_copy'] = pc
    return objects.ImageMeta.from_dict({'properties': props})


# (flavor ac, flavor pc, image ac, image pc, permit pc, permit ac,
#  expected ac, ac origin, expected pc, pc origin, required traits)
RESOLVED = [
    # Nothing set: the host options decide; auto-converge only without
    # post-copy.
    (None, None, None, None, False, False, False, C, False, C, set()),
    (None, None, None, None, True, False, False, C, True, C, set()),
    (None, None, None, None, False, True, True, C, False, C, set()),
    (None, None, None, None, True, True, False, C, True, C, set()),
    # Flavor true wins over a host that does not permit it.
    ('true', None, None, None, False, False, True, F, False,
     mp.Origin.AUTO_CONVERGE, {AC_TRAIT}),
    (None, 'true', None, None, False, False, False, C, True, F,
     {PC_TRAIT}),
    # Flavor false wins over a host that permits it; false adds no trait.
    ('false', None, None, None, False, True, False, F, False, C, set()),
    (None, 'false', None, None, True, False, False, C, False, F, set()),
    (None, 'false', None, None, True, True, True, C, False, F, set()),
    ('false', 'false', None, None, True, True, False, F, False, F, set()),
    # post_copy unset and auto-converge requested: post-copy off even where
    # permitted.
    ('true', None, None, None, True, True, True, F, False,
     mp.Origin.AUTO_CONVERGE, {AC_TRAIT}),
    # auto-converge false, post-copy true.
    ('false', 'true', None, None, False, True, False, F, True, F,
     {PC_TRAIT}),
    # The image alone decides when the flavor says nothing.
    (None, None, True, None, False, False, True, I, False,
     mp.Origin.AUTO_CONVERGE, {AC_TRAIT}),
    (None, None, None, True, False, False, False, C, True, I, {PC_TRAIT}),
    (None, None, False, None, True, True, False, I, True, C, set()),
    (None, None, None, 'no', True, True, True, C, False, I, set()),
    # Flavor and image agreeing: the flavor is named as the origin.
    ('true', None, 'yes', None, False, False, True, F, False,
     mp.Origin.AUTO_CONVERGE, {AC_TRAIT}),
    (None, 'False', None, False, True, False, False, C, False, F, set()),
    # Mixed: auto-converge from the flavor, post-copy false from the image.
    ('true', None, None, False, True, False, True, F, False, I,
     {AC_TRAIT}),
    (None, 'true', False, None, False, True, False, I, True, F,
     {PC_TRAIT}),
]


# (flavor ac, flavor pc, image ac, image pc, error)
REFUSED = [
    ('true', None, False, None, exception.FlavorImageConflict),
    ('false', None, True, None, exception.FlavorImageConflict),
    (None, 'true', None, 'false', exception.FlavorImageConflict),
    (None, 'no', None, True, exception.FlavorImageConflict),
    ('true', 'true', None, None,
     exception.AutoConvergeAndPostCopyConflict),
    (None, None, True, True, exception.AutoConvergeAndPostCopyConflict),
    ('true', None, None, True, exception.AutoConvergeAndPostCopyConflict),
    (None, 'true', 'on', None, exception.AutoConvergeAndPostCopyConflict),
    ('maybe', None, None, None, exception.InvalidExtraSpec),
    (None, '', None, None, exception.InvalidExtraSpec),
]


@ddt.ddt
class ResolveTestCase(test.NoDBTestCase):

    @ddt.data(*RESOLVED)
    @ddt.unpack
    def test_resolved(self, fac, fpc, iac, ipc, permit_pc, permit_ac,
                      ac, ac_origin, pc, pc_origin, traits):
        policy = mp.resolve(_flavor(fac, fpc), _image(iac, ipc),
                            permit_post_copy=permit_pc,
                            permit_auto_converge=permit_ac)
        self.assertEqual(ac, policy.auto_converge.enabled)
        self.assertEqual(ac_origin, policy.auto_converge.origin)
        self.assertEqual(pc, policy.post_copy.enabled)
        self.assertEqual(pc_origin, policy.post_copy.origin)
        self.assertEqual(frozenset(traits), policy.required_traits)
        # Never both.
        self.assertFalse(policy.auto_converge.enabled and
                         policy.post_copy.enabled)

    @ddt.data(*REFUSED)
    @ddt.unpack
    def test_refused(self, fac, fpc, iac, ipc, error):
        for permit_pc, permit_ac in ((False, False), (True, True)):
            self.assertRaises(error, mp.resolve, _flavor(fac, fpc),
                              _image(iac, ipc), permit_pc, permit_ac)

    def test_conflict_message_names_keys_values_and_rule(self):
        exc = self.assertRaises(
            exception.FlavorImageConflict, mp.resolve,
            _flavor(pc='true'), _image(pc='false'))
        msg = str(exc)
        self.assertIn('compute:live_migration_post_copy=true', msg)
        self.assertIn('compute_live_migration_post_copy=false', msg)
        self.assertIn('must agree', msg)
        self.assertEqual(400, exc.code)

    def test_both_true_message_names_both_origins(self):
        exc = self.assertRaises(
            exception.AutoConvergeAndPostCopyConflict, mp.resolve,
            _flavor(ac='true'), _image(pc=True))
        msg = str(exc)
        self.assertIn('compute:live_migration_auto_converge=true (flavor)',
                      msg)
        self.assertIn('compute_live_migration_post_copy=true (image)', msg)

    def test_no_image(self):
        policy = mp.resolve(_flavor(pc='true'), None)
        self.assertTrue(policy.post_copy.enabled)


@ddt.ddt
class VPMEMAndPausedTestCase(test.NoDBTestCase):

    def test_vpmem_with_post_copy_true_is_refused(self):
        for flavor, image in ((_flavor(pc='true', pmem='4GB'), None),
                              (_flavor(pmem='4GB'), _image(pc=True))):
            exc = self.assertRaises(exception.PostCopyWithVPMEMConflict,
                                    mp.resolve, flavor, image)
            self.assertIn('hw:pmem=4GB', str(exc))

    @ddt.data((False, False, False), (True, False, False),
              (True, True, True), (False, True, True))
    @ddt.unpack
    def test_vpmem_turns_permitted_post_copy_off(
            self, permit_pc, permit_ac, expect_ac):
        policy = mp.resolve(_flavor(pmem='4GB,LARGE'), None,
                            permit_post_copy=permit_pc,
                            permit_auto_converge=permit_ac)
        self.assertFalse(policy.post_copy.enabled)
        if permit_pc:
            self.assertEqual(mp.Origin.VPMEM, policy.post_copy.origin)
        self.assertEqual(expect_ac, policy.auto_converge.enabled)

    def test_vpmem_devices_without_hw_pmem_turn_post_copy_off(self):
        # (What the driver passes when the instance holds vPMEM devices.)
        for tier in ('pet', 'cattle'):
            policy = mp.resolve(_flavor(), None, default_tier=tier,
                                vpmem=True)
            self.assertFalse(policy.post_copy.enabled)
            self.assertEqual(mp.Origin.VPMEM, policy.post_copy.origin)
            self.assertTrue(policy.auto_converge.enabled)

    def test_vpmem_with_post_copy_false_is_fine(self):
        policy = mp.resolve(_flavor(pc='false', pmem='4GB'), None, True)
        self.assertFalse(policy.post_copy.enabled)
        self.assertEqual(F, policy.post_copy.origin)

    def test_paused_guest_never_uses_post_copy(self):
        for flavor in (_flavor(pc='true'), _flavor()):
            policy = mp.resolve(flavor, None, permit_post_copy=True,
                                paused=True)
            self.assertFalse(policy.post_copy.enabled)
            self.assertEqual(mp.Origin.PAUSED, policy.post_copy.origin)
        # The scheduling request is unchanged by the guest being paused.
        self.assertEqual({PC_TRAIT}, mp.resolve(
            _flavor(pc='true'), None, paused=True).required_traits)

    def test_bad_pmem_value_is_typed(self):
        self.assertRaises(exception.InvalidExtraSpec, mp.resolve,
                          _flavor(pmem='4GB,,x'), None)


class AsDictTestCase(test.NoDBTestCase):

    def test_as_dict(self):
        policy = mp.resolve(_flavor(ac='true'), None, permit_post_copy=True)
        out = policy.as_dict()
        self.assertEqual([AC_TRAIT], out['required_traits'])
        self.assertIs(True, out['auto_converge'])
        self.assertEqual('flavor', out['auto_converge_origin'])
        self.assertIs(False, out['post_copy'])
        self.assertEqual('auto_converge', out['post_copy_origin'])
        self.assertIn('compute:live_migration_auto_converge=true',
                      out['post_copy_reason'])


def _tiered(tier=None, image_tier=None, ac=None, pc=None, pmem=None):
    flavor = _flavor(ac=ac, pc=pc, pmem=pmem)
    if tier is not None:
        flavor.extra_specs['compute:live_migration_sla'] = tier
    props = {}
    if image_tier is not None:
        props['compute_live_migration_sla'] = image_tier
    return flavor, objects.ImageMeta.from_dict({'properties': props})


S, PU, H = mp.Origin.SLA, mp.Origin.PURPOSE, mp.Origin.HOST
RESUME = 'CUSTOM_COMPUTE_MIGRATE_POSTCOPY_RESUME'
ALL_CAPS = {AC_TRAIT, PC_TRAIT, RESUME}

# (flavor tier, explicit ac, explicit pc, permit pc, permit ac, default
#  tier, purpose, capabilities, expected ac, ac origin, expected pc, pc
#  origin, required traits)
TIERED = [
    # Nothing set anywhere: the host's default tier (pet) decides.
    (None, None, None, None, None, 'pet', None, None,
     True, S, True, S, set()),
    (None, None, None, None, None, 'panda', None, None,
     True, S, False, S, set()),
    (None, None, None, None, None, 'cattle', None, None,
     True, S, True, S, set()),
    # A pet post-copies only where both hosts can resume a broken one.
    (None, None, None, None, None, 'pet', None, {AC_TRAIT, PC_TRAIT},
     True, S, False, S, set()),
    (None, None, None, None, None, 'pet', None, ALL_CAPS,
     True, S, True, S, set()),
    # ... a cattle even where they cannot.
    ('cattle', None, None, None, None, 'pet', None, {AC_TRAIT, PC_TRAIT},
     True, S, True, S, {PC_TRAIT}),
    # Host options, when set, decide for instances without a tier ...
    (None, None, None, False, False, 'cattle', None, None,
     False, C, False, C, set()),
    (None, None, None, True, True, 'panda', None, None,
     False, C, True, C, set()),
    # ... but not for an instance with a tier of its own.
    ('panda', None, None, True, False, 'pet', None, None,
     True, S, False, S, {AC_TRAIT}),
    ('cattle', None, None, False, False, 'pet', None, None,
     True, S, True, S, {PC_TRAIT}),
    # Explicit values always win (within the tier's rules).
    ('pet', 'false', None, None, None, 'pet', None, None,
     False, F, True, S, set()),
    ('pet', None, 'false', None, None, 'pet', None, None,
     True, S, False, F, set()),
    ('cattle', 'true', None, None, None, 'pet', None, None,
     True, F, True, S, {AC_TRAIT, PC_TRAIT}),
    ('panda', None, 'false', None, None, 'pet', None, None,
     True, S, False, F, {AC_TRAIT}),
    # Without a tier of its own, auto-converge asked for keeps post-copy
    # off (as before tiers).
    (None, 'true', None, None, None, 'pet', None, None,
     True, F, False, mp.Origin.AUTO_CONVERGE, {AC_TRAIT}),
    # A rebalance turns off what was not asked for explicitly.
    ('cattle', None, None, None, None, 'pet', 'rebalance', None,
     False, PU, False, PU, {PC_TRAIT}),
    (None, None, None, True, True, 'pet', 'rebalance', None,
     False, PU, False, PU, set()),
    ('pet', 'true', None, None, None, 'pet', 'rebalance', None,
     True, F, False, PU, {AC_TRAIT}),
    # A host without the trait does not use what was not asked for.
    (None, None, None, None, None, 'pet', None, {RESUME, PC_TRAIT},
     False, H, True, S, set()),
    (None, None, None, True, None, 'pet', None, {AC_TRAIT},
     True, S, False, H, set()),
    (None, None, 'true', None, None, 'pet', None, {AC_TRAIT},
     True, S, True, F, {PC_TRAIT}),
    # evacuate-host and maintenance keep the tier's levers.
    ('pet', None, None, None, None, 'pet', 'evacuate-host', ALL_CAPS,
     True, S, True, S, set()),
]


@ddt.ddt
class SLATierTestCase(test.NoDBTestCase):

    @ddt.data(*TIERED)
    @ddt.unpack
    def test_resolved(self, tier, ac, pc, permit_pc, permit_ac, default,
                      purpose, caps, exp_ac, ac_origin, exp_pc, pc_origin,
                      traits):
        flavor, image = _tiered(tier, ac=ac, pc=pc)
        policy = mp.resolve(flavor, image, permit_post_copy=permit_pc,
                            permit_auto_converge=permit_ac,
                            default_tier=default, purpose=purpose,
                            capabilities=caps)
        self.assertEqual((exp_ac, ac_origin), (
            policy.auto_converge.enabled, policy.auto_converge.origin))
        self.assertEqual((exp_pc, pc_origin), (
            policy.post_copy.enabled, policy.post_copy.origin))
        self.assertEqual(frozenset(traits), policy.required_traits)
        self.assertEqual(tier or default, policy.limits.tier)
        self.assertEqual(purpose or 'maintenance', policy.limits.purpose)

    def test_tier_and_where_it_came_from(self):
        policy = mp.resolve(*_tiered(image_tier='panda'))
        self.assertEqual('panda', policy.tier.value)
        self.assertEqual(mp.Origin.IMAGE, policy.tier.origin)
        out = policy.as_dict()
        self.assertEqual('panda', out['sla_tier'])
        self.assertEqual('image property compute_live_migration_sla=panda',
                         out['sla_tier_source'])
        self.assertEqual(300, out['limits']['downtime_ms'])
        self.assertEqual('tier panda (image property '
                         'compute_live_migration_sla=panda)',
                         out['limits']['downtime_ms_source'])
        default = mp.resolve(*_tiered()).as_dict()
        self.assertEqual('config', default['sla_tier_origin'])
        self.assertEqual('[libvirt] live_migration_sla_default=pet',
                         default['sla_tier_source'])

    def test_flavor_and_image_agreeing(self):
        policy = mp.resolve(*_tiered('cattle', 'cattle'))
        self.assertEqual(mp.Origin.FLAVOR, policy.tier.origin)

    @ddt.data(
        # (flavor tier, image tier, ac, pc, pmem, error, text)
        ('pet', 'panda', None, None, None, exception.FlavorImageConflict,
         'compute:live_migration_sla=pet conflicts with image property '
         'compute_live_migration_sla=panda'),
        ('panda', None, None, 'true', None, exception.SLATierConflict,
         'the tier never uses post-copy'),
        ('cattle', None, None, 'false', None, exception.SLATierConflict,
         'the tier finishes its moves by post-copy'),
        ('panda', None, 'false', None, None, exception.SLATierConflict,
         'the tier converges busy guests by throttling them'),
        ('cattle', None, None, None, '4GB', exception.SLATierConflict,
         'which cannot migrate vPMEM devices'),
        ('pets', None, None, None, None, exception.InvalidExtraSpec,
         'must be one of cattle, pet, panda'),
    )
    @ddt.unpack
    def test_refused(self, tier, image_tier, ac, pc, pmem, error, text):
        flavor, image = _tiered(tier, image_tier, ac=ac, pc=pc, pmem=pmem)
        for call in (mp.resolve, mp.requested_features):
            exc = self.assertRaises(error, call, flavor, image)
            self.assertIn(text, str(exc))
            self.assertEqual(400, exc.code)

    def test_conflict_names_both_keys_and_values(self):
        exc = self.assertRaises(
            exception.SLATierConflict, mp.resolve,
            *_tiered('panda', pc='true'))
        msg = str(exc)
        self.assertIn('flavor extra spec compute:live_migration_sla=panda',
                      msg)
        self.assertIn('flavor extra spec compute:live_migration_post_copy'
                      '=true', msg)

    def test_pet_has_no_conflicts(self):
        for ac, pc in (('true', None), (None, 'true'), ('false', 'false')):
            mp.requested_features(*_tiered('pet', ac=ac, pc=pc))

    def test_required_traits_only_for_an_own_tier(self):
        requests = mp.requested_features(*_tiered())
        self.assertEqual(frozenset(), mp.required_traits(requests))
        for tier, traits in (('cattle', {PC_TRAIT}), ('pet', set()),
                             ('panda', {AC_TRAIT})):
            flavor, image = _tiered(tier)
            self.assertEqual(frozenset(traits), mp.required_traits(
                mp.requested_features(flavor, image),
                mp.requested_tier(flavor, image)))
