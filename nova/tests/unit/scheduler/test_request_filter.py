from nova import context
from nova import exception
from nova import objects
from nova.scheduler import request_filter
from nova import test


class MigrationPolicyFilterTestCase(test.NoDBTestCase):

    def _spec(self, specs=None, props=None):
        flavor = objects.Flavor(flavorid='f', name='f', vcpus=1,
                                memory_mb=512, extra_specs=specs or {})
        image = objects.ImageMeta.from_dict({'properties': props or {}})
        return objects.RequestSpec.from_components(
            '4f7c2a1e-3b4d-4c5e-8f90-1a2b3c4d5e6f', flavor, image, 'p', 'u')

    def setUp(self):
        super().setUp()
        self.ctxt = context.get_admin_context()

    def test_true_adds_traits(self):
        spec = self._spec({'compute:live_migration_post_copy': 'true'})
        spec.root_required = {'CUSTOM_EXISTING'}
        self.assertTrue(request_filter.migration_policy_filter(self.ctxt,
                                                               spec))
        self.assertEqual({'CUSTOM_EXISTING', 'COMPUTE_MIGRATE_POST_COPY'},
                         spec.root_required)
        self.assertEqual(set(), spec.root_forbidden)

    def test_image_true(self):
        spec = self._spec(props={'compute_live_migration_auto_converge': 'y'})
        request_filter.process_reqspec(self.ctxt, spec)
        self.assertEqual({'COMPUTE_MIGRATE_AUTO_CONVERGE'},
                         spec.root_required)

    def test_false_and_unset_add_nothing(self):
        for specs in ({}, {'compute:live_migration_post_copy': 'false',
                           'compute:live_migration_auto_converge': 'false'}):
            spec = self._spec(specs)
            self.assertEqual(
                [], request_filter.process_reqspec(self.ctxt, spec))
            self.assertEqual(set(), spec.root_required)
            self.assertEqual(set(), spec.root_forbidden)

    def test_tier_that_relies_on_a_feature_requires_its_trait(self):
        for specs, props, traits in (
                ({'compute:live_migration_sla': 'cattle'}, {},
                 {'COMPUTE_MIGRATE_POST_COPY'}),
                ({}, {'compute_live_migration_sla': 'panda'},
                 {'COMPUTE_MIGRATE_AUTO_CONVERGE'}),
                ({'compute:live_migration_sla': 'panda',
                  'compute:live_migration_auto_converge': 'true'}, {},
                 {'COMPUTE_MIGRATE_AUTO_CONVERGE'}),
                ({'compute:live_migration_sla': 'pet'}, {}, set())):
            spec = self._spec(specs, props)
            request_filter.process_reqspec(self.ctxt, spec)
            self.assertEqual(traits, spec.root_required)
            self.assertEqual(set(), spec.root_forbidden)

    def test_tier_contradicting_an_explicit_value_fails_the_request(self):
        spec = self._spec({'compute:live_migration_sla': 'cattle',
                           'compute:live_migration_post_copy': 'false'})
        self.assertRaises(exception.SLATierConflict,
                          request_filter.process_reqspec, self.ctxt, spec)
        self.assertEqual(set(), spec.root_required)

    def test_conflict_fails_the_request(self):
        spec = self._spec({'compute:live_migration_post_copy': 'true'},
                          {'compute_live_migration_post_copy': False})
        self.assertRaises(exception.FlavorImageConflict,
                          request_filter.process_reqspec, self.ctxt, spec)
        self.assertEqual(set(), spec.root_required)

    def test_registry_order(self):
        self.assertEqual([request_filter.migration_policy_filter],
                         request_filter.ALL_REQUEST_FILTERS)
        spec = self._spec({'compute:live_migration_auto_converge': '1'})
        self.assertEqual(['migration_policy_filter'],
                         request_filter.process_reqspec(self.ctxt, spec))
