"""Small helpers shared across layers."""

from oslo_utils import strutils

#: Spellings accepted for a boolean flavor extra spec or image property,
#: compared case-insensitively.  These are oslo.utils' strict spellings.
TRUE_STRINGS = tuple(strutils.TRUE_STRINGS)
FALSE_STRINGS = tuple(strutils.FALSE_STRINGS)

BOOLEAN_RULE = 'a boolean must be one of %s (case-insensitive)' % ', '.join(
    TRUE_STRINGS + FALSE_STRINGS)


def parse_boolean(value):
    """Return ``value`` as a bool, or raise ValueError naming the rule.

    Accepts real booleans and the strings in TRUE_STRINGS / FALSE_STRINGS
    in any case, with surrounding spaces ignored.  Anything else -- a typo
    such as ``ture``, an empty string, a number other than 0 or 1, None --
    is refused rather than silently read as False.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value in (0, 1):
            return bool(value)
        raise ValueError(BOOLEAN_RULE)
    if not isinstance(value, str):
        raise ValueError(BOOLEAN_RULE)
    lowered = value.strip().lower()
    if lowered in TRUE_STRINGS:
        return True
    if lowered in FALSE_STRINGS:
        return False
    raise ValueError(BOOLEAN_RULE)


#: How many characters of a value given by a user a message repeats.
ECHO_LIMIT = 80


def shorten(text, limit=ECHO_LIMIT):
    """``text`` cut to about ``limit`` characters, saying how long it was.

    Messages that repeat what a user typed (a key, a value, a file name)
    pass it through here so that a megabyte of input gives a readable
    line: ``'xxxx...' (1048576 characters)``.  Line breaks are written
    as ``\\n`` so that the message stays on one line.
    """
    whole = str(text)
    text = whole.replace('\r', '\\r').replace('\n', '\\n')
    if len(text) <= limit:
        return text
    return '%s... (%d characters)' % (text[:limit], len(whole))


def short_repr(value, limit=ECHO_LIMIT):
    """``repr(value)``, shortened as :func:`shorten` does."""
    return shorten(repr(value), limit)
