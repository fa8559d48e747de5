"""Read a YAML document the way a scenario file needs: strictly and boundedly.

PyYAML's ``safe_load`` keeps the last of two equal keys without a word and
builds a document whose aliases point at shared nodes, so that a few
hundred bytes (the "billion laughs") expand to billions of values as soon
as anything walks them.  :func:`load` refuses both, and a file that is too
large, not UTF-8 or nested too deeply, before anything walks the result.
Every refusal is a :class:`YAMLRefused` with the key path (or the line)
and the reason; the caller adds the file name.
"""

import yaml

#: Largest file read, in bytes.  The shipped scenario is about 6 KiB.
MAX_FILE_BYTES = 1024 * 1024
#: Largest number of YAML values (mappings, lists, scalars) a document
#: may hold once every alias is expanded.
MAX_NODES = 100000
MERGE_TAG = 'tag:yaml.org,2002:merge'


class YAMLRefused(Exception):
    """``key`` (a dotted path, or ``line L, column C``) and ``reason``."""

    def __init__(self, key, reason):
        super().__init__('%s: %s' % (key, reason))
        self.key = key
        self.reason = reason


def _where(mark):
    return 'line %d, column %d' % (mark.line + 1, mark.column + 1)


def _children(node):
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _check_size(root):
    """Refuse a document that expands beyond MAX_NODES or into itself.

    The composed graph shares the node of every anchor with its aliases;
    each node's expanded size is counted once (iteratively, with a memo),
    so the check costs as much as the file, not as the expansion.
    """
    sizes = {}
    open_nodes = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        ident = id(node)
        if done:
            open_nodes.discard(ident)
            sizes[ident] = 1 + sum(sizes[id(child)]
                                   for child in _children(node))
            if sizes[ident] > MAX_NODES:
                raise YAMLRefused(
                    _where(node.start_mark),
                    'the document expands to more than %d values (aliases '
                    'included); a scenario is much smaller' % MAX_NODES)
            continue
        if ident in sizes:
            continue
        if ident in open_nodes:
            raise YAMLRefused(_where(node.start_mark),
                              'an alias refers to a value that contains it')
        open_nodes.add(ident)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node)
                     if id(child) not in sizes)


def _path(parent, part):
    if isinstance(part, int):
        return '%s[%d]' % (parent, part)
    return '%s.%s' % (parent, part) if parent else str(part)


def _check_duplicates(root):
    """Refuse a mapping that gives the same key twice."""
    seen_nodes = set()
    stack = [(root, '')]
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, _path(path, index))
                         for index, child in enumerate(node.value))
            continue
        if not isinstance(node, yaml.MappingNode):
            continue
        first = {}
        for key, value in node.value:
            if key.tag == MERGE_TAG:
                stack.append((value, path))
                continue
            if isinstance(key, yaml.ScalarNode):
                name = (key.tag, key.value)
                if name in first:
                    raise YAMLRefused(
                        _path(path, key.value),
                        'duplicate key at %s (first at %s): YAML would '
                        'silently keep only the last value' % (
                            _where(key.start_mark), _where(first[name])))
                first[name] = key.start_mark
            stack.append((value, _path(path, getattr(key, 'value', '?'))))


class _Loader(yaml.SafeLoader):
    """SafeLoader that checks the composed document before building it."""

    def compose_document(self):
        root = super().compose_document()
        if root is not None:
            _check_size(root)
            _check_duplicates(root)
        return root


def decode(data):
    """``data`` (bytes) as text; YAMLRefused if too large or not UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        raise YAMLRefused('(file)', 'larger than %d bytes; a scenario is '
                                    'much smaller' % MAX_FILE_BYTES)
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b'\n') + 1
        raise YAMLRefused('line %d' % line,
                          'not UTF-8 text (byte 0x%02x at offset %d)' % (
                              data[exc.start], exc.start))


def load(text):
    """The document in ``text``, checked; raises YAMLRefused."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        raise YAMLRefused(_where(mark) if mark else '(file)',
                          'not valid YAML: %s' % (
                              getattr(exc, 'problem', None) or exc))
    except RecursionError:
        raise YAMLRefused('(file)', 'not valid YAML: nested too deeply')
