"""Scenario files: their JSON schema, loading, and the checks across keys.

A scenario is YAML (see doc/source/user/scenario-reference.rst).  It is
checked completely before anything starts: the structure against the JSON
schema below, then what the schema cannot say (a flavor, image, host or
instance that is named but not defined, a ``[libvirt]`` option that does
not exist or has a bad value, a fault that needs the simulated libvirt).
Every problem is a :class:`ScenarioError` naming the file, the key (a
dotted path such as ``steps[3].to``) and the reason.
"""

import importlib.resources

import jsonschema
from oslo_config import cfg
import yaml

from nova import deployment
from nova import exception

DEFAULT_SCENARIO = 'default.yaml'

_NAME = {'type': 'string', 'pattern': r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'}
_SECONDS = {'type': 'number', 'minimum': 0}
_POSITIVE = {'type': 'number', 'exclusiveMinimum': 0}
_METADATA = {
    'type': 'object',
    'additionalProperties': {'type': ['string', 'boolean', 'integer']},
}
_EXPECT_MIGRATION = {'enum': ['completed', 'failed', 'cancelled', 'error',
                              'refused']}


def _obj(properties, required=(), **extra):
    schema = {'type': 'object', 'properties': properties,
              'additionalProperties': False}
    if required:
        schema['required'] = list(required)
    schema.update(extra)
    return schema


_WORKLOAD_KEYS = {
    'wws_mb': {'type': 'number', 'minimum': 0},
    'dirty_rate_mbps': {'type': 'number', 'minimum': 0},
    'cold_dirty_rate_mbps': {'type': 'number', 'minimum': 0},
    'cpu_bound_fraction': {'type': 'number', 'minimum': 0, 'maximum': 1},
    'zero_fraction': {'type': 'number', 'minimum': 0, 'exclusiveMaximum': 1},
    'disk_write_rate_mbps': {'type': 'number', 'minimum': 0},
}
_PHASE = _obj(dict(_WORKLOAD_KEYS, at=_SECONDS), required=['at'])
_WORKLOAD = _obj(dict(_WORKLOAD_KEYS,
                      phases={'type': 'array', 'items': _PHASE}))

_FAULT = {
    'type': 'object', 'minProperties': 1, 'maxProperties': 1,
    'additionalProperties': False,
    'properties': {
        'network_drop': _obj({'after': _SECONDS, 'seconds': _POSITIVE},
                             required=['after']),
        'destination_failure': _obj({'after': _SECONDS,
                                     'in_post_copy': {'type': 'boolean'}}),
    },
}

# Links that vary, concurrent steps, per-host limits (all drawn from the
# scenario's seed).  Bounds: a day for durations, 1 TiB/s for rates.
_DAY = 86400
_RATE = {'type': 'number', 'exclusiveMinimum': 0, 'maximum': 1048576}
_DURATION = {'type': 'number', 'exclusiveMinimum': 0, 'maximum': _DAY}
_LINK_VARIATION = {
    'rtt_ms': {'type': 'number', 'minimum': 0, 'maximum': 10000},
    'jitter': {'type': 'number', 'minimum': 0, 'maximum': 0.9},
    'jitter_period_s': {'type': 'number', 'minimum': 0.05, 'maximum': _DAY},
    'dips': _obj({'every_s': _DURATION, 'seconds': _DURATION,
                  'depth': {'type': 'number', 'minimum': 0, 'maximum': 1}},
                 required=['every_s', 'seconds', 'depth']),
    'flaky': _obj({'every_s': _DURATION, 'seconds': _DURATION,
                   'max_s': _DURATION}, required=['every_s', 'seconds']),
    'competing': _obj({'mbps': _RATE, 'on_s': _DURATION,
                       'off_s': _DURATION}, required=['mbps']),
    'setup_time_s': {'type': 'number', 'minimum': 0, 'maximum': 3600},
    'setup_jitter': {'type': 'number', 'minimum': 0, 'maximum': 1},
}
_HOST_LIMITS = {
    'nic_mbps': _RATE,
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
        'faults': {'type': 'array', 'items': _FAULT},
        'expect': _EXPECT_MIGRATION, 'note': {'type': 'string'},
    }, required=['live_migrate']),
    'evacuate': _obj({
        'evacuate': _NAME, 'to': _NAME, 'at': _SECONDS,
        'expect': {'enum': ['completed', 'failed', 'error', 'refused']},
        'note': {'type': 'string'},
    }, required=['evacuate']),
    'host_down': _obj({'host_down': _NAME, 'at': _SECONDS,
                       'note': {'type': 'string'}},
                      required=['host_down']),
    'host_up': _obj({'host_up': _NAME, 'at': _SECONDS,
                     'note': {'type': 'string'}}, required=['host_up']),
    'wait': _obj({'wait': _POSITIVE, 'note': {'type': 'string'}},
                 required=['wait']),
    'group': _obj({
        'group': {'type': 'array', 'minItems': 1, 'maxItems': 100,
                  'items': {'type': 'object'}},
        'at': _SECONDS, 'note': {'type': 'string'},
    }, required=['group']),
}
#: What a group may hold: moves that start together.
_GROUP_KINDS = ('live_migrate',)

SCHEMA = _obj({
    'name': {'type': 'string'},
    'description': {'type': 'string'},
    'seed': _SEED,
    'hosts': {
        'type': 'object', 'minProperties': 1,
        'propertyNames': _NAME,
        'additionalProperties': _obj({
            'memory_mb': {'type': 'integer', 'minimum': 512},
            'vcpus': {'type': 'integer', 'minimum': 1},
            'disk_gb': {'type': 'integer', 'minimum': 1},
            'libvirt_version': {'type': 'string',
                                'pattern': r'^\d+\.\d+\.\d+$'},
            'qemu_version': {'type': 'string',
                             'pattern': r'^\d+\.\d+\.\d+$'},
            'libvirt_uri': {'type': 'string', 'minLength': 1},
            'libvirt': {'type': 'object'},
            **_HOST_LIMITS,
            'pmem_namespaces': {
                'type': 'object', 'propertyNames': _NAME,
                'additionalProperties': {
                    'type': 'array', 'minItems': 1,
                    'items': _obj({'name': _NAME, 'size_gb': _POSITIVE},
                                  required=['name', 'size_gb'])}},
        }),
    },
    'links': {'type': 'array', 'items': _obj(dict({
        'hosts': {'type': 'array', 'items': _NAME, 'minItems': 2,
                  'maxItems': 2},
        'bandwidth_mbps': _POSITIVE}, **_LINK_VARIATION),
        required=['hosts', 'bandwidth_mbps'])},
    'flavors': {
        'type': 'object', 'propertyNames': _NAME,
        'additionalProperties': _obj({
            'vcpus': {'type': 'integer', 'minimum': 1},
            'memory_mb': {'type': 'integer', 'minimum': 64},
            'disk_gb': {'type': 'integer', 'minimum': 0},
            'extra_specs': _METADATA,
        }, required=['vcpus', 'memory_mb']),
    },
    'images': {
        'type': 'object', 'propertyNames': _NAME,
        'additionalProperties': _obj({'properties': _METADATA}),
    },
    'instances': {
        'type': 'object', 'propertyNames': _NAME,
        'additionalProperties': _obj({
            'flavor': _NAME, 'image': _NAME, 'host': _NAME,
            'workload': _WORKLOAD,
            'expect': {'enum': ['active', 'refused']},
            'note': {'type': 'string'},
        }, required=['flavor']),
    },
    'steps': {'type': 'array', 'items': {'type': 'object'}},
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
    reason = error.message
    if error.validator == 'additionalProperties':
        # Name the unknown key itself rather than its parent.
        known = sorted(error.schema.get('properties', {}))
        extra = sorted(set(error.instance) - set(known))
        if extra:
            path.append(extra[0])
            reason = 'unknown key; expected one of: %s' % ', '.join(known)
    elif 'propertyNames' in error.schema_path:
        reason = ('%r is not a valid name (letters, digits, "_", "." and '
                  '"-", starting with a letter or digit)' % error.instance)
    return ScenarioError(file=source, key=_key(path), reason=reason)


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


def _check_hosts(source, hosts):
    real = {name for name, spec in hosts.items() if 'libvirt_uri' in spec}
    if real and real != set(hosts):
        raise ScenarioError(
            file=source, key='hosts',
            reason='either every host has a libvirt_uri (real libvirtd) or '
                   'none has (simulated libvirt); these have one: %s' %
                   ', '.join(sorted(real)))
    for name, spec in hosts.items():
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
                    reason='bad value %r for this [libvirt] option: %s' % (
                        value, exc))
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
    for index, step in enumerate(data.get('steps') or []):
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
    if kind in ('host_down', 'host_up'):
        _need(source, '%s.%s' % (prefix, kind), step[kind], hosts, 'host')
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
    _check_schema(source, SCHEMA, data)
    real = _check_hosts(source, data['hosts'])
    _check_references(source, data, real)
    return data


def load(path=None):
    """Read and check a scenario file (the shipped default if None).

    Returns (source name, scenario dict).
    """
    if path is None:
        resource = importlib.resources.files('nova.scenario').joinpath(
            DEFAULT_SCENARIO)
        source, text = 'default scenario (%s)' % DEFAULT_SCENARIO, (
            resource.read_text(encoding='utf-8'))
    else:
        source = str(path)
        try:
            with open(path, encoding='utf-8') as handle:
                text = handle.read()
        except OSError as exc:
            raise ScenarioError(file=source, key='(file)',
                                reason=exc.strerror or str(exc))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        where = ('line %d, column %d' % (mark.line + 1, mark.column + 1)
                 if mark else '(file)')
        raise ScenarioError(file=source, key=where,
                            reason='not valid YAML: %s' % (
                                getattr(exc, 'problem', None) or exc))
    return source, validate(data, source)
