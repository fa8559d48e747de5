import ddt

from nova.api.validation.extra_specs import base
from nova.api.validation.extra_specs import validators
from nova import exception
from nova import test


@ddt.ddt
class ExtraSpecValidatorsTestCase(test.NoDBTestCase):

    @ddt.data('true', 'false', 'True', 'FALSE', ' yes ', 'no', 'on', 'off',
              '1', '0', 't', 'f', 'y', 'n')
    def test_boolean_spellings_accepted(self, value):
        for key in ('compute:live_migration_auto_converge',
                    'compute:live_migration_post_copy'):
            validators.validate_extra_spec(key, value)

    @ddt.data('ture', '', 'enabled', '2', 'true!', 'null')
    def test_bad_boolean_refused_with_key_value_rule(self, value):
        exc = self.assertRaises(
            exception.InvalidExtraSpec, validators.validate_extra_spec,
            'compute:live_migration_post_copy', value)
        msg = str(exc)
        self.assertIn('compute:live_migration_post_copy', msg)
        self.assertIn(repr(value), msg)
        self.assertIn('a boolean must be one of', msg)
        self.assertEqual(400, exc.code)

    def test_unknown_key_in_compute_namespace_refused(self):
        exc = self.assertRaises(
            exception.InvalidExtraSpec, validators.validate_extra_spec,
            'compute:live_migration_postcopy', 'true')
        self.assertIn("unknown key in the 'compute' namespace", str(exc))
        self.assertIn('compute:live_migration_post_copy', str(exc))

    @ddt.data('cattle', 'pet', 'panda')
    def test_sla_tiers_accepted(self, value):
        validators.validate_extra_spec('compute:live_migration_sla', value)
        validators.validate_image_property('compute_live_migration_sla',
                                           value)

    @ddt.data('Pet', 'pets', '', 'gold', 'true')
    def test_unknown_sla_tier_refused_with_key_value_rule(self, value):
        for call, key, error in (
                (validators.validate_extra_spec,
                 'compute:live_migration_sla', exception.InvalidExtraSpec),
                (validators.validate_image_property,
                 'compute_live_migration_sla',
                 exception.InvalidImageProperty)):
            exc = self.assertRaises(error, call, key, value)
            msg = str(exc)
            self.assertIn(key, msg)
            self.assertIn(repr(value), msg)
            self.assertIn('must be one of cattle, pet, panda', msg)

    @ddt.data('hw:cpu_policy', 'aggregate_instance_extra_specs:ssd',
              'computer:anything', 'resources:VCPU', 'trait:FOO')
    def test_keys_outside_known_namespaces_accepted(self, key):
        validators.validate_extra_spec(key, 'whatever')

    @ddt.data('4GB', '4GB,4GB,LARGE', 'SMALL_1')
    def test_pmem_accepted(self, value):
        validators.validate_extra_spec('hw:pmem', value)

    @ddt.data('', '4GB,', ',4GB', '4 GB', '4GB;LARGE')
    def test_pmem_refused(self, value):
        exc = self.assertRaises(exception.InvalidExtraSpec,
                                validators.validate_extra_spec, 'hw:pmem',
                                value)
        self.assertIn('comma-separated list', str(exc))

    def test_validate_all_reports_first_bad_key_in_order(self):
        exc = self.assertRaises(
            exception.InvalidExtraSpec, validators.validate_extra_specs,
            {'compute:live_migration_post_copy': 'x',
             'compute:live_migration_auto_converge': 'z'})
        self.assertIn('compute:live_migration_auto_converge', str(exc))

    def test_non_string_key_refused(self):
        self.assertRaises(exception.InvalidExtraSpec,
                          validators.validate_extra_spec, 3, 'true')


@ddt.ddt
class ImagePropertyValidatorsTestCase(test.NoDBTestCase):

    @ddt.data(True, False, 'true', 'No', '1')
    def test_accepted(self, value):
        validators.validate_image_properties(
            {'compute_live_migration_post_copy': value,
             'hw_disk_bus': 'virtio'})

    @ddt.data('ture', None, 2, 1.5, [])
    def test_bad_value(self, value):
        exc = self.assertRaises(
            exception.InvalidImageProperty,
            validators.validate_image_property,
            'compute_live_migration_auto_converge', value)
        self.assertIn('image property compute_live_migration_auto_converge',
                      str(exc))

    def test_unknown_compute_property(self):
        exc = self.assertRaises(
            exception.InvalidImageProperty,
            validators.validate_image_property,
            'compute_live_migration_autoconverge', 'true')
        self.assertIn('compute_live_migration_auto_converge', str(exc))

    def test_all_validators_lists_both_kinds(self):
        keys = {(kind, key) for kind, key, _ in validators.all_validators()}
        self.assertIn(('flavor', 'compute:live_migration_post_copy'), keys)
        self.assertIn(('image', 'compute_live_migration_post_copy'), keys)
        self.assertIn(('flavor', 'hw:pmem'), keys)


@ddt.ddt
class ValidatorRulesTestCase(test.NoDBTestCase):

    def test_enum(self):
        v = base.Validator(name='x', description='', enum=('a', 'b'))
        self.assertEqual('a', v.check('a'))
        self.assertRaises(base.RuleViolation, v.check, 'c')
        self.assertRaises(base.RuleViolation, v.check, 1)

    @ddt.data(('5', 5), (7, 7))
    @ddt.unpack
    def test_integer(self, value, expected):
        v = base.Validator(name='x', description='', type=base.INTEGER,
                           min=1)
        self.assertEqual(expected, v.check(value))

    @ddt.data('0', 'x', True, None)
    def test_integer_refused(self, value):
        v = base.Validator(name='x', description='', type=base.INTEGER,
                           min=1)
        self.assertRaises(base.RuleViolation, v.check, value)

    def test_lax_namespace_unknown_key(self):
        ns = base.Namespace('hw', ':', (), strict=False)
        self.assertIsNone(ns.lookup('hw:anything'))
