"""Building blocks of declarative metadata validators.

A :class:`Validator` describes one key: its name, what it means, and the
rule its value follows (a type, optionally an enum or a pattern).  A
:class:`Namespace` groups the validators that share a prefix such as
``compute:``; inside a *strict* namespace an unknown key is refused.
"""

import dataclasses
import re

from nova import utils

BOOLEAN = 'boolean'
STRING = 'string'
INTEGER = 'integer'


class RuleViolation(ValueError):
    """A value broke a rule; the message is the rule, in words."""


@dataclasses.dataclass(frozen=True)
class Validator:
    name: str
    description: str
    type: str = STRING
    enum: tuple = None
    pattern: str = None
    pattern_help: str = None
    min: int = None

    def check(self, value):
        """Return the value parsed to its type or raise RuleViolation."""
        if self.type == BOOLEAN:
            try:
                return utils.parse_boolean(value)
            except ValueError as exc:
                raise RuleViolation(str(exc))
        if self.type == INTEGER:
            return self._check_integer(value)
        if not isinstance(value, str):
            raise RuleViolation('the value must be a string')
        if self.enum is not None and value not in self.enum:
            raise RuleViolation('the value must be one of %s'
                                % ', '.join(self.enum))
        if self.pattern is not None and not re.fullmatch(self.pattern,
                                                         value):
            raise RuleViolation(self.pattern_help or
                                'the value must match %s' % self.pattern)
        return value

    def _check_integer(self, value):
        if isinstance(value, bool):
            raise RuleViolation('the value must be an integer')
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise RuleViolation('the value must be an integer')
        if self.min is not None and number < self.min:
            raise RuleViolation('the value must be at least %d' % self.min)
        return number


@dataclasses.dataclass(frozen=True)
class Namespace:
    """Validators whose keys start with ``prefix`` + ``separator``."""

    prefix: str
    separator: str
    validators: tuple
    strict: bool = True

    def key_of(self, validator):
        return self.prefix + self.separator + validator.name

    def owns(self, key):
        return key.startswith(self.prefix + self.separator)

    def lookup(self, key):
        """The validator for ``key``; None if unknown in a lax namespace."""
        for validator in self.validators:
            if self.key_of(validator) == key:
                return validator
        if self.strict:
            known = ', '.join(sorted(self.key_of(v)
                                     for v in self.validators))
            raise RuleViolation(
                "unknown key in the '%s' namespace; known keys: %s"
                % (self.prefix, known))
        return None


def validate(namespaces, key, value):
    """Check one key/value against the namespaces; RuleViolation if bad.

    Keys outside every namespace are accepted unchecked: the service does
    not own them.
    """
    if not isinstance(key, str):
        raise RuleViolation('keys must be strings')
    for namespace in namespaces:
        if namespace.owns(key):
            validator = namespace.lookup(key)
            if validator is not None:
                validator.check(value)
            return
