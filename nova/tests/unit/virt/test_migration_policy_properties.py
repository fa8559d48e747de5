"""Property-based: random metadata never escapes as an untyped error."""

import types

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from nova.api.validation.extra_specs import validators
from nova import exception
from nova import objects
from nova import test
from nova.virt import migration_policy as mp

objects.register_all()

KEYS = st.sampled_from([
    'compute:live_migration_auto_converge',
    'compute:live_migration_post_copy', 'compute:other', 'compute:',
    'hw:pmem', 'hw:cpu_policy', 'resources:VCPU', ''])
IMAGE_KEYS = st.sampled_from([
    'compute_live_migration_auto_converge',
    'compute_live_migration_post_copy', 'compute_other', 'hw_disk_bus',
    'hw_machine_type', 'os_distro'])
SPELLINGS = st.sampled_from(['true', 'false', 'TRUE', 'No', 'on', '0', '1',
                             'ture', '', 'yes ', '4GB', '4GB,LARGE'])
TEXT_VALUES = st.one_of(SPELLINGS, st.text(max_size=12))
ANY_VALUES = st.one_of(TEXT_VALUES, st.booleans(), st.integers(), st.none(),
                       st.floats(allow_nan=True), st.binary(max_size=4),
                       st.lists(st.integers(), max_size=2))


class PropertiesTestCase(test.NoDBTestCase):

    @settings(max_examples=300, deadline=None)
    @given(specs=st.dictionaries(st.one_of(KEYS, st.text(max_size=20)),
                                 TEXT_VALUES, max_size=4),
           props=st.dictionaries(st.one_of(IMAGE_KEYS, st.text(max_size=20)),
                                 ANY_VALUES, max_size=4),
           permit_pc=st.booleans(), permit_ac=st.booleans(),
           paused=st.booleans())
    def test_validate_then_resolve(self, specs, props, permit_pc, permit_ac,
                                   paused):
        try:
            validators.validate_extra_specs(specs)
            validators.validate_image_properties(props)
            flavor = objects.Flavor(flavorid='f', name='f', vcpus=1,
                                    memory_mb=1, extra_specs=specs)
            image = objects.ImageMeta.from_dict({'properties': props})
            policy = mp.resolve(flavor, image, permit_pc, permit_ac, paused)
        except exception.Invalid:
            return
        self.assertFalse(policy.auto_converge.enabled and
                         policy.post_copy.enabled)
        for trait in policy.required_traits:
            feature = {f.trait: f for f in mp.Feature}[trait]
            self.assertTrue(getattr(policy, feature.value).enabled or paused)

    @settings(max_examples=300, deadline=None)
    @given(specs=st.dictionaries(KEYS, ANY_VALUES, max_size=4),
           props=st.dictionaries(IMAGE_KEYS, ANY_VALUES, max_size=4))
    def test_resolver_alone_is_typed(self, specs, props):
        """The resolver, fed unvalidated input, also fails typed only.

        A Flavor object only holds strings, so a stand-in with the same
        attribute feeds the resolver raw values of any type.
        """
        flavor = types.SimpleNamespace(extra_specs=specs)
        try:
            image = objects.ImageMeta.from_dict({'properties': props})
            mp.resolve(flavor, image)
        except exception.Invalid as exc:
            # Typed, with a readable message.
            self.assertEqual(400, exc.code)
            self.assertTrue(str(exc))
