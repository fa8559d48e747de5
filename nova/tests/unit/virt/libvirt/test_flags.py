import ddt

from nova import objects
from nova import test
from nova.virt.libvirt import flags
from nova.virt import migration_policy

F = flags.MigrateFlag
BASE = F.LIVE | F.PEER2PEER | F.UNDEFINE_SOURCE | F.PERSIST_DEST


def _policy(specs, permit_pc=False, permit_ac=False, paused=False):
    flavor = objects.Flavor(flavorid='f', name='f', vcpus=1, memory_mb=512,
                            extra_specs=specs)
    return migration_policy.resolve(flavor, None, permit_pc, permit_ac,
                                    paused)


@ddt.ddt
class MigrationFlagsTestCase(test.NoDBTestCase):

    @ddt.data(
        # (extra specs, permit pc, permit ac, paused, block, expected)
        ({}, False, False, False, False, BASE),
        ({}, False, False, False, True, BASE | F.NON_SHARED_INC),
        ({}, True, False, False, False, BASE | F.POSTCOPY),
        ({}, False, True, False, False, BASE | F.AUTO_CONVERGE),
        ({}, True, True, False, False, BASE | F.POSTCOPY),
        # Metadata false removes what the host permits ...
        ({'compute:live_migration_post_copy': 'false'}, True, False, False,
         False, BASE),
        ({'compute:live_migration_post_copy': 'false'}, True, True, False,
         False, BASE | F.AUTO_CONVERGE),
        ({'compute:live_migration_auto_converge': 'false'}, False, True,
         False, False, BASE),
        # ... and true adds what the host does not permit.
        ({'compute:live_migration_post_copy': 'true'}, False, False, False,
         False, BASE | F.POSTCOPY),
        ({'compute:live_migration_auto_converge': 'true'}, True, False,
         False, False, BASE | F.AUTO_CONVERGE),
        # A paused guest or one with vPMEM never gets POSTCOPY.
        ({'compute:live_migration_post_copy': 'true'}, True, False, True,
         False, BASE),
        ({}, True, False, True, True, BASE | F.NON_SHARED_INC),
        ({'hw:pmem': '4GB'}, True, False, False, False, BASE),
        ({'hw:pmem': '4GB'}, True, True, False, False,
         BASE | F.AUTO_CONVERGE),
    )
    @ddt.unpack
    def test_flags(self, specs, permit_pc, permit_ac, paused, block,
                   expected):
        policy = _policy(specs, permit_pc, permit_ac, paused)
        self.assertEqual(expected, flags.migration_flags(policy, block))

    def test_a_tier_may_arm_both(self):
        flavor = objects.Flavor(flavorid='f', name='f', vcpus=1,
                                memory_mb=512, extra_specs={})
        for tier, expected in (
                ('pet', BASE | F.POSTCOPY | F.AUTO_CONVERGE),
                ('cattle', BASE | F.POSTCOPY | F.AUTO_CONVERGE),
                ('panda', BASE | F.AUTO_CONVERGE)):
            policy = migration_policy.resolve(flavor, None,
                                              default_tier=tier)
            self.assertEqual(expected, flags.migration_flags(policy))

    def test_resume_flags(self):
        self.assertEqual(524288, F.POSTCOPY_RESUME)
        # The original call's flags, with POSTCOPY and POSTCOPY_RESUME.
        self.assertEqual(BASE | F.POSTCOPY | F.POSTCOPY_RESUME,
                         flags.resume_flags(BASE | F.POSTCOPY))
        self.assertEqual(
            BASE | F.AUTO_CONVERGE | F.POSTCOPY | F.POSTCOPY_RESUME,
            flags.resume_flags(BASE | F.AUTO_CONVERGE | F.POSTCOPY))
        self.assertIn('VIR_MIGRATE_POSTCOPY_RESUME', flags.flag_names(
            flags.resume_flags(BASE | F.POSTCOPY)))

    def test_values_are_libvirts(self):
        self.assertEqual(8192, F.AUTO_CONVERGE)
        self.assertEqual(32768, F.POSTCOPY)
        self.assertEqual(27, int(BASE))

    def test_names(self):
        self.assertEqual(
            ['VIR_MIGRATE_LIVE', 'VIR_MIGRATE_PEER2PEER',
             'VIR_MIGRATE_PERSIST_DEST', 'VIR_MIGRATE_UNDEFINE_SOURCE',
             'VIR_MIGRATE_POSTCOPY'],
            flags.flag_names(BASE | F.POSTCOPY))
