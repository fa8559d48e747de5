"""Scenario files: their JSON schema, loading, and the checks across keys.

A scenario is YAML (see doc/source/user/scenario-reference.rst).  It is
checked completely before anything starts: the structure against the JSON
schema below, then what the schema cannot say (a flavor, image, host or
instance that is named but not defined, a ``[libvirt]`` option that does
not exist or has a bad value, a fault that needs the simulated libvirt).
Every problem is a :class:`ScenarioError` naming the file, the key (a
dotted path such as ``steps[3].to``) and the reason.

Every number has an upper bound (the constants below, listed in the
scenario reference): a run must fit what the model, SQLite and Placement
hold, and end in a time a person waits for.
"""

import importlib.resources
import math

import jsonschema
from oslo_config import cfg

from nova.compute import api as compute_api
from nova import deployment
from nova import exception
from nova.objects import fields
from nova.scenario import yaml_loader
from nova import utils
from nova.virt.libvirt import vpmem_xml

DEFAULT_SCENARIO = 'default.yaml'

#: Longest time, in seconds, any one time of a scenario may give (an
#: ``at``, a ``wait``, a fault's ``after`` ...), and longest the steps'
#: waits and start times may add up to: one day.  On the virtual clock a
#: simulated day takes about half a minute.
MAX_SECONDS = 86400
#: A live migration still running after this long (seconds on the
#: scenario's clock) is aborted through the normal abort path, whatever
#: the hosts' [libvirt] timeouts say; ``migration_time_limit`` changes it.
DEFAULT_MIGRATION_TIME_LIMIT = 3600
#: How many hosts, flavors, images, instances and steps a scenario has.
MAX_HOSTS = 32
MAX_DEFINITIONS = 100
MAX_INSTANCES = 200
MAX_STEPS = 500
MAX_PHASES = 100
MAX_FAULTS = 10
#: Rates (MiB/s): link bandwidth and guest write rates, up to 1 TiB/s;
#: a link is at least 0.1 MiB/s (under a megabit per second).
MAX_RATE_MBPS = 1024 * 1024
MIN_BANDWIDTH_MBPS = 0.1
#: vPMEM namespaces of one host, and the size of each (GiB): at least the
#: 2 MiB label area plus 2 MiB of data, at most 16 TiB.
MAX_PMEM_NAMESPACES = 256
MIN_PMEM_GB = 2 * vpmem_xml.LABEL_KIB / (1024.0 * 1024.0)
MAX_PMEM_GB = 16384
#: Longest text: notes and descriptions, and metadata keys and values
#: (Nova stores extra specs in 255-character columns).
MAX_TEXT = 4096
MAX_METADATA_TEXT = 255
MAX_METADATA_ITEMS = 64

_NAME = {'type': 'string', 'pattern': r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'}
_SECONDS = {'type': 'number', 'minimum': 0, 'maximum': MAX_SECONDS}
_POSITIVE_SECONDS = {'type': 'number', 'exclusiveMinimum': 0,
                     'maximum': MAX_SECONDS}
_TEXT = {'type': 'string', 'maxLength': MAX_TEXT}
_RATE = {'type': 'number', 'minimum': 0, 'maximum': MAX_RATE_MBPS}
_METADATA = {
    'type': 'object', 'maxProperties': MAX_METADATA_ITEMS,
    'propertyNames': {'maxLength': MAX_METADATA_TEXT},
    'additionalProperties': {
        'type': ['string', 'boolean', 'integer'],
        'maxLength': MAX_METADATA_TEXT,
        'minimum': -2 ** 31, 'maximum': 2 ** 31 - 1},
}
_EXPECT_MIGRATION = {'enum': ['completed', 'failed', 'cancelled', 'error',
                              'refused']}


def _integer(minimum, maximum):
    return {'type': 'integer', 'minimum': minimum, 'maximum': maximum}


def _obj(properties, required=(), **extra):
    schema = {'type': 'object', 'properties': properties,
              'additionalProperties': False}
    if required:
        schema['required'] = list(required)
    schema.update(extra)
    return schema


_WORKLOAD_KEYS = {
    'wws_mb': {'type': 'number', 'minimum': 0,
               'maximum': compute_api.MAX_MEMORY_MB},
    'dirty_rate_mbps': _RATE,
    'cold_dirty_rate_mbps': _RATE,
    'cpu_bound_fraction': {'type': 'number', 'minimum': 0, 'maximum': 1},
    'zero_fraction': {'type': 'number', 'minimum': 0, 'exclusiveMaximum': 1},
    'disk_write_rate_mbps': _RATE,
}
_PHASE = _obj(dict(_WORKLOAD_KEYS, at=_SECONDS), required=['at'])
_WORKLOAD = _obj(dict(_WORKLOAD_KEYS,
                      phases={'type': 'array', 'items': _PHASE,
                              'maxItems': MAX_PHASES}))

_FAULT = {
    'type': 'object', 'minProperties': 1, 'maxProperties': 1,
    'additionalProperties': False,
    'properties': {
        'network_drop': _obj({'after': _SECONDS,
                              'seconds': _POSITIVE_SECONDS},
                             required=['after']),
        'destination_failure': _obj({'after': _SECONDS,
                                     'in_post_copy': {'type': 'boolean'}}),
    },
}

# Links that vary, concurrent steps, per-host limits (all drawn from the
# scenario's seed).  Bounds: a day for durations, 1 TiB/s for rates.
_POSITIVE_RATE = {'type': 'number', 'exclusiveMinimum': 0,
                  'maximum': MAX_RATE_MBPS}
_DURATION = _POSITIVE_SECONDS
_LINK_VARIATION = {
    'rtt_ms': {'type': 'number', 'minimum': 0, 'maximum': 10000},
    'jitter': {'type': 'number', 'minimum': 0, 'maximum': 0.9},
    'jitter_period_s': {'type': 'number', 'minimum': 0.05,
                        'maximum': MAX_SECONDS},
    'dips': _obj({'every_s': _DURATION, 'seconds': _DURATION,
                  'depth': {'type': 'number', 'minimum': 0, 'maximum': 1}},
                 required=['every_s', 'seconds', 'depth']),
    'flaky': _obj({'every_s': _DURATION, 'seconds': _DURATION,
                   'max_s': _DURATION}, required=['every_s', 'seconds']),
    'competing': _obj({'mbps': _POSITIVE_RATE, 'on_s': _DURATION,
                       'off_s': _DURATION}, required=['mbps']),
    'setup_time_s': {'type': 'number', 'minimum': 0, 'maximum': 3600},
    'setup_jitter': {'type': 'number', 'minimum': 0, 'maximum': 1},
}
_HOST_LIMITS = {
    'nic_mbps': _POSITIVE_RATE,
    'max_concurrent_live_migrations': {'type': 'integer', 'minimum': 0,
                                       'maximum': 1000},
}
_SEED = {'type': 'integer', 'minimum': 0, 'maximum': 2 ** 31 - 1}

_STEP_KINDS = {
    'live_migrate': _obj({
        'live_migrate': _NAME, 'to': _NAME, 'at': _SECONDS,
        'block_migration': {'type': 'boolean'},
        'force': {'type': 'boolean'},
        'force_complete_after': _SECONDS, 'abort_after': _SECONDS,
        'faults': {'type': 'array', 'items': _FAULT,
                   'maxItems': MAX_FAULTS},
        # Any value here: fields.validate_migration_purpose, the one
        # check of a purpose, says what is wrong with it (_check_step).
        'purpose': {},
        'expect': _EXPECT_MIGRATION, 'note': _TEXT,
    }, required=['live_migrate']),
    'evacuate': _obj({
        'evacuate': _NAME, 'to': _NAME, 'at': _SECONDS,
        'expect': {'enum': ['completed', 'failed', 'error', 'refused']},
        'note': _TEXT,
    }, required=['evacuate']),
    'drain_host': _obj({
        'drain_host': _NAME, 'at': _SECONDS,
        'expect': {'enum': ['drained', 'partial', 'refused']},
        'note': _TEXT,
    }, required=['drain_host']),
    'host_down': _obj({'host_down': _NAME, 'at': _SECONDS, 'note': _TEXT},
                      required=['host_down']),
    'host_up': _obj({'host_up': _NAME, 'at': _SECONDS, 'note': _TEXT},
                    required=['host_up']),
    'wait': _obj({'wait': _POSITIVE_SECONDS, 'note': _TEXT},
                 required=['wait']),
    'group': _obj({
        'group': {'type': 'array', 'minItems': 1, 'maxItems': 100,
                  'items': {'type': 'object'}},
        'at': _SECONDS, 'note': _TEXT,
    }, required=['group']),
}
#: What a group may hold: moves that start together.
_GROUP_KINDS = ('live_migrate',)
_VERSION = {'type': 'string', 'pattern': r'^\d{1,3}\.\d{1,3}\.\d{1,3}$'}

SCHEMA = _obj({
    'name': _TEXT,
    'description': _TEXT,
    'seed': _SEED,
    'migration_time_limit': _POSITIVE_SECONDS,
    'hosts': {
        'type': 'object', 'minProperties': 1, 'maxProperties': MAX_HOSTS,
        'propertyNames': _NAME,
        'additionalProperties': _obj({
            'memory_mb': _integer(512, compute_api.MAX_MEMORY_MB),
            'vcpus': _integer(1, compute_api.MAX_VCPUS),
            'disk_gb': _integer(1, compute_api.MAX_DISK_GB),
            'libvirt_version': _VERSION,
            'qemu_version': _VERSION,
            'libvirt_uri': {'type': 'string', 'minLength': 1,
                            'maxLength': MAX_METADATA_TEXT},
            'libvirt': {'type': 'object'},
            **_HOST_LIMITS,
            'pmem_namespaces': {
                'type': 'object', 'propertyNames': _NAME,
                'maxProperties': MAX_PMEM_NAMESPACES,
                'additionalProperties': {
                    'type': 'array', 'minItems': 1,
                    'maxItems': MAX_PMEM_NAMESPACES,
                    'items': _obj({'name': _NAME, 'size_gb': {
                        'type': 'number', 'minimum': MIN_PMEM_GB,
                        'maximum': MAX_PMEM_GB}},
                        required=['name', 'size_gb'])}},
        }),
    },
    'links': {'type': 'array', 'maxItems': MAX_HOSTS * (MAX_HOSTS - 1) // 2,
              'items': _obj(dict({
                  'hosts': {'type': 'array', 'items': _NAME, 'minItems': 2,
                            'maxItems': 2},
                  'bandwidth_mbps': {
                      'type': 'number', 'minimum': MIN_BANDWIDTH_MBPS,
                      'maximum': MAX_RATE_MBPS}}, **_LINK_VARIATION),
                  required=['hosts', 'bandwidth_mbps'])},
    'flavors': {
        'type': 'object', 'propertyNames': _NAME,
        'maxProperties': MAX_DEFINITIONS,
        'additionalProperties': _obj({
            'vcpus': _integer(1, compute_api.MAX_VCPUS),
            'memory_mb': _integer(64, compute_api.MAX_MEMORY_MB),
            'disk_gb': _integer(0, compute_api.MAX_DISK_GB),
            'extra_specs': _METADATA,
        }, required=['vcpus', 'memory_mb']),
    },
    'images': {
        'type': 'object', 'propertyNames': _NAME,
        'maxProperties': MAX_DEFINITIONS,
        'additionalProperties': _obj({'properties': _METADATA}),
    },
    'instances': {
        'type': 'object', 'propertyNames': _NAME,
        'maxProperties': MAX_INSTANCES,
        'additionalProperties': _obj({
            'flavor': _NAME, 'image': _NAME, 'host': _NAME,
            'workload': _WORKLOAD,
            'expect': {'enum': ['active', 'refused']},
            'note': _TEXT,
        }, required=['flavor']),
    },
    'steps': {'type': 'array', 'items': {'type': 'object'},
              'maxItems': MAX_STEPS},
}, required=['hosts'])


class ScenarioError(exception.Invalid):
    """A scenario file that cannot be run, with where and why."""

    msg_fmt = '%(file)s: %(key)s: %(reason)s'


def _key(path):
    """``steps[2].to`` from a JSON path such as ['steps', 2, 'to']."""
    text = ''
    for part in path:
        if isinstance(part, int):
            text += '[%d]' % part
        else:
            text += ('.' if text else '') + str(part)
    return text or '(top level)'


def _schema_error(source, error, prefix=()):
    path = list(prefix) + list(error.absolute_path)
    # jsonschema repeats the offending value whole: keep it readable.
    reason = error.message.replace(repr(error.instance),
                                   utils.short_repr(error.instance))
    if error.validator == 'additionalProperties':
        # Name the unknown key itself rather than its parent.
        known = sorted(error.schema.get('properties', {}))
        extra = sorted(set(error.instance) - set(known))
        if extra:
            path.append(extra[0])
            reason = 'unknown key; expected one of: %s' % ', '.join(known)
    elif ('propertyNames' in error.schema_path and
          error.validator == 'pattern'):
        reason = ('%s is not a valid name (1 to 63 letters, digits, "_", '
                  '"." and "-", starting with a letter or digit)'
                  % utils.short_repr(error.instance))
    return ScenarioError(file=source, key=_key(path), reason=reason)


def _check_values(source, data):
    """Refuse what JSON schema lets through: NaN and infinities (which
    compare false with every bound), null values and keys that are not
    strings.
    """
    stack = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            raise ScenarioError(
                file=source, key=_key(path),
                reason='%s is not a number a scenario can use; give a '
                       'finite number' % value)
        if value is None:
            raise ScenarioError(
                file=source, key=_key(path),
                reason='null is not a value; remove the key to use its '
                       'default')
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ScenarioError(
                        file=source, key=_key(path + (str(key),)),
                        reason='keys are text; this one reads as %s %s '
                               '(write it in quotes)' % (
                                   type(key).__name__,
                                   utils.short_repr(key)))
                stack.append((path + (key,), item))
        elif isinstance(value, list):
            stack.extend((path + (index,), item)
                         for index, item in enumerate(value))


def _check_schema(source, schema, data, prefix=()):
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data),
                    key=lambda e: (len(e.absolute_path), str(e.path)))
    if errors:
        raise _schema_error(source, errors[0], prefix)


def _step_kind(source, index, step, key=None):
    kinds = [kind for kind in _STEP_KINDS if kind in step]
    if len(kinds) != 1:
        raise ScenarioError(
            file=source, key=key or 'steps[%d]' % index,
            reason='a step has exactly one of the keys %s, found %s' % (
                ', '.join(_STEP_KINDS), ', '.join(kinds) or 'none'))
    return kinds[0]


def _need(source, key, name, known, what):
    if name not in known:
        raise ScenarioError(
            file=source, key=key,
            reason='unknown %s %r; the scenario defines: %s' % (
                what, name, ', '.join(sorted(known)) or 'none'))


def _check_pmem(source, host, namespaces):
    """A namespace name appears once per host."""
    first = {}
    for label, spaces in namespaces.items():
        for index, namespace in enumerate(spaces):
            key = 'hosts.%s.pmem_namespaces.%s[%d].name' % (host, label,
                                                            index)
            if namespace['name'] in first:
                raise ScenarioError(
                    file=source, key=key,
                    reason='namespace %r is already defined at %s; each '
                           'namespace of a host has its own name' % (
                               namespace['name'], first[namespace['name']]))
            first[namespace['name']] = key
    count = len(first)
    if count > MAX_PMEM_NAMESPACES:
        raise ScenarioError(
            file=source, key='hosts.%s.pmem_namespaces' % host,
            reason='%d namespaces; a host has at most %d' % (
                count, MAX_PMEM_NAMESPACES))


def _check_timeline(source, steps, instances):
    """The waits and start times of a scenario add up to at most a day.

    An overestimate of when the last step starts (migrations take the
    time they take, each at most ``migration_time_limit``): the sum of
    the ``wait`` steps plus the latest ``at`` of a step or a workload
    phase.
    """
    waits = sum(step.get('wait', 0) for step in steps)
    latest = max([step.get('at', 0) for step in steps] + [
        phase['at'] for spec in instances.values()
        for phase in (spec.get('workload') or {}).get('phases') or []],
        default=0)
    if waits + latest > MAX_SECONDS:
        raise ScenarioError(
            file=source, key='steps',
            reason='the waits (%s s) and the latest start time (%s s) add '
                   'up to more than the %d s (one day) a scenario may '
                   'schedule' % (waits, latest, MAX_SECONDS))


def _check_hosts(source, hosts):
    real = {name for name, spec in hosts.items() if 'libvirt_uri' in spec}
    if real and real != set(hosts):
        raise ScenarioError(
            file=source, key='hosts',
            reason='either every host has a libvirt_uri (real libvirtd) or '
                   'none has (simulated libvirt); these have one: %s' %
                   ', '.join(sorted(real)))
    for name, spec in hosts.items():
        _check_pmem(source, name, spec.get('pmem_namespaces') or {})
        if real:
            for key in ('pmem_namespaces', 'libvirt_version',
                        'qemu_version', 'memory_mb', 'vcpus', 'disk_gb',
                        'nic_mbps'):
                if key in spec:
                    raise ScenarioError(
                        file=source, key='hosts.%s.%s' % (name, key),
                        reason='only hosts on the simulated libvirt take '
                               'this; a real host reports its own')
        for option, value in (spec.get('libvirt') or {}).items():
            key = 'hosts.%s.libvirt.%s' % (name, option)
            try:
                deployment.host_conf({option: value})
            except cfg.NoSuchOptError:
                raise ScenarioError(file=source, key=key,
                                    reason='no such [libvirt] option')
            except (ValueError, TypeError, cfg.Error) as exc:
                raise ScenarioError(
                    file=source, key=key,
                    reason='bad value %s for this [libvirt] option: %s' % (
                        utils.short_repr(value),
                        utils.shorten(exc, 2 * utils.ECHO_LIMIT)))
    return bool(real)


def _check_references(source, data, real):
    hosts = data['hosts']
    flavors = data.get('flavors') or {}
    images = data.get('images') or {}
    instances = data.get('instances') or {}
    for index, link in enumerate(data.get('links') or []):
        for host in link['hosts']:
            _need(source, 'links[%d].hosts' % index, host, hosts, 'host')
    for name, spec in instances.items():
        prefix = 'instances.%s' % name
        _need(source, prefix + '.flavor', spec['flavor'], flavors, 'flavor')
        if 'image' in spec:
            _need(source, prefix + '.image', spec['image'], images, 'image')
        if 'host' in spec:
            _need(source, prefix + '.host', spec['host'], hosts, 'host')
        workload = spec.get('workload') or {}
        ram = flavors[spec['flavor']]['memory_mb']
        for key, part in [('.workload', workload)] + [
                ('.workload.phases[%d]' % i, phase)
                for i, phase in enumerate(workload.get('phases') or [])]:
            if part.get('wws_mb', 0) > ram:
                raise ScenarioError(
                    file=source, key=prefix + key + '.wws_mb',
                    reason='the working set (%s MiB) is larger than the '
                           'flavor\'s memory (%d MiB)' % (part['wws_mb'],
                                                          ram))
        if real and workload.get('phases'):
            raise ScenarioError(
                file=source, key=prefix + '.workload.phases',
                reason='phases need the simulated libvirt; a real guest '
                       'keeps the workload it booted with')
    steps = data.get('steps') or []
    for index, step in enumerate(steps):
        kind = _step_kind(source, index, step)
        prefix = 'steps[%d]' % index
        _check_schema(source, _STEP_KINDS[kind], step, [
            'steps', index])
        if kind == 'group':
            _check_group(source, data, real, index, step)
            continue
        _check_step(source, data, real, prefix, kind, step)
    if real:
        for index, link in enumerate(data.get('links') or []):
            varied = sorted(set(link) & set(_LINK_VARIATION))
            if varied:
                raise ScenarioError(
                    file=source, key='links[%d].%s' % (index, varied[0]),
                    reason='a varying link needs the simulated libvirt')
    _check_timeline(source, steps, instances)


def _check_group(source, data, real, index, step):
    """Every member of a group is a move, to be started together."""
    names = []
    for member, item in enumerate(step['group']):
        prefix = 'steps[%d].group[%d]' % (index, member)
        kind = _step_kind(source, index, item, key=prefix)
        if kind not in _GROUP_KINDS:
            raise ScenarioError(
                file=source, key=prefix,
                reason='a group holds %s steps only, not %s' % (
                    ', '.join(_GROUP_KINDS), kind))
        if 'at' in item:
            raise ScenarioError(
                file=source, key=prefix + '.at',
                reason='the members of a group start together; give the '
                       'group its "at"')
        _check_schema(source, _STEP_KINDS[kind], item,
                      ['steps', index, 'group', member])
        _check_step(source, data, real, prefix, kind, item)
        names.append(item[kind])
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ScenarioError(
            file=source, key='steps[%d].group' % index,
            reason='instance %s appears twice in one group' % twice[0])


def _check_step(source, data, real, prefix, kind, step):
    hosts = data['hosts']
    if kind in ('live_migrate', 'evacuate'):
        _need(source, '%s.%s' % (prefix, kind), step[kind],
              data.get('instances') or {}, 'instance')
    if kind in ('host_down', 'host_up', 'drain_host'):
        _need(source, '%s.%s' % (prefix, kind), step[kind], hosts, 'host')
    if 'purpose' in step:
        try:
            fields.validate_migration_purpose(step['purpose'])
        except exception.InvalidMigrationPurpose as exc:
            raise ScenarioError(file=source, key=prefix + '.purpose',
                                reason=str(exc))
    if 'to' in step:
        _need(source, prefix + '.to', step['to'], hosts, 'host')
    host_event = kind in ('host_down', 'host_up')
    if real and (step.get('faults') or host_event):
        raise ScenarioError(
            file=source, key=prefix + ('.faults' if step.get('faults')
                                       else '.' + kind),
            reason='injected faults need the simulated libvirt; these '
                   'hosts are real libvirtd daemons')


def validate(data, source='<scenario>'):
    """Check a loaded scenario; returns it, raises ScenarioError."""
    if not isinstance(data, dict):
        raise ScenarioError(file=source, key='(top level)',
                            reason='a scenario is a mapping of keys, got %s'
                            % type(data).__name__)
    _check_values(source, data)
    _check_schema(source, SCHEMA, data)
    real = _check_hosts(source, data['hosts'])
    _check_references(source, data, real)
    return data


def load(path=None):
    """Read and check a scenario file (the shipped default if None).

    Returns (source name, scenario dict).  The file is read with the
    limits of :mod:`nova.scenario.yaml_loader` (size, UTF-8, duplicate
    keys, alias expansion).
    """
    if path is None:
        resource = importlib.resources.files('nova.scenario').joinpath(
            DEFAULT_SCENARIO)
        source, data = ('default scenario (%s)' % DEFAULT_SCENARIO,
                        resource.read_bytes())
    else:
        source = utils.shorten(path)
        try:
            with open(path, 'rb') as handle:
                data = handle.read(yaml_loader.MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ScenarioError(file=source, key='(file)',
                                reason=exc.strerror or str(exc))
    try:
        document = yaml_loader.load(yaml_loader.decode(data))
    except yaml_loader.YAMLRefused as exc:
        raise ScenarioError(file=source, key=exc.key, reason=exc.reason)
    return source, validate(document, source)
