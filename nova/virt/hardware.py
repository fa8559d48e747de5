"""Read hardware requests out of a flavor's extra specs."""

import re

from nova import exception

PMEM_KEY = 'hw:pmem'
PMEM_LABELS_PATTERN = r'[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*'
PMEM_RULE = ('a comma-separated list of vPMEM namespace labels, each made '
             'of letters, digits and underscores (for example 4GB,4GB,LARGE)')


def get_vpmem_labels(flavor):
    """Labels of the vPMEM namespaces the flavor asks for, in order.

    ``hw:pmem=4GB,4GB,LARGE`` asks for two namespaces labelled 4GB and one
    labelled LARGE.  Raises InvalidExtraSpec for a malformed value.
    """
    value = (flavor.extra_specs or {}).get(PMEM_KEY)
    if value is None:
        return []
    if not isinstance(value, str) or not re.fullmatch(PMEM_LABELS_PATTERN,
                                                      value):
        raise exception.InvalidExtraSpec(PMEM_KEY, value, PMEM_RULE)
    return value.split(',')
