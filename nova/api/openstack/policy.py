"""Who may call what: oslo.policy rules with the API's defaults.

Two roles matter: ``admin`` (the operator) and ``member`` (a project's
user).  Operator calls -- live migration, evacuation, force-complete,
abort, migration listings, services, hypervisors, host drains, the plan
explanation and flavor management -- need ``admin``; the rest needs
``member`` (or ``admin``).  Operators may override any rule in a policy file
(``[oslo_policy] policy_file``).  A handler checks its rule before
anything else.
"""

from oslo_config import cfg
from oslo_policy import policy

from nova.api.openstack import wsgi

ADMIN = 'role:admin'
MEMBER = 'role:member or role:admin'

ADMIN_API = 'rule:admin_api'
MEMBER_API = 'rule:member_api'

_BASE = [
    policy.RuleDefault('admin_api', ADMIN,
                       'Operator (admin role) calls.'),
    policy.RuleDefault('member_api', MEMBER,
                       'Calls of any project user (member role).'),
]

#: rule name -> (default, what it guards)
RULES = {
    'compute:servers:create': (MEMBER_API, 'Boot a server.'),
    'compute:servers:create:forced_host': (ADMIN_API, 'Boot a server on '
                                           'a chosen host.'),
    'compute:servers:index': (MEMBER_API, 'List the servers of the '
                              'project.'),
    'compute:servers:index:all_tenants': (ADMIN_API, 'List the servers '
                                          'of every project.'),
    'compute:servers:show': (MEMBER_API, 'Show a server.'),
    'compute:servers:show:host': (ADMIN_API, 'See the host and hypervisor '
                                  'of a server and its host status.'),
    'compute:servers:delete': (MEMBER_API, 'Delete a server.'),
    'compute:servers:migrate_live': (ADMIN_API, 'Live-migrate a server '
                                     '(os-migrateLive).'),
    'compute:servers:evacuate': (ADMIN_API, 'Evacuate a server of a down '
                                 'host.'),
    'compute:servers:migration_plan': (ADMIN_API, 'Explain the '
                                       'live-migration policy of a '
                                       'server.'),
    'compute:server_migrations:index': (ADMIN_API, 'List the migrations '
                                        'of a server.'),
    'compute:server_migrations:show': (ADMIN_API, 'Show a migration of a '
                                       'server.'),
    'compute:server_migrations:force_complete': (ADMIN_API, 'Force a live '
                                                 'migration to complete.'),
    'compute:server_migrations:delete': (ADMIN_API, 'Abort a live '
                                         'migration.'),
    'compute:migrations:index': (ADMIN_API, 'List every migration '
                                 '(os-migrations).'),
    'compute:services:index': (ADMIN_API, 'List the compute services.'),
    'compute:services:update': (ADMIN_API, 'Disable, enable or force down '
                                'a compute service.'),
    'compute:hypervisors:index': (ADMIN_API, 'List the hypervisors.'),
    'compute:hypervisors:drain': (ADMIN_API, 'Drain a hypervisor\'s host '
                                  '(live-migrate every server off it) and '
                                  'follow the drain.'),
    'compute:flavors:index': (MEMBER_API, 'List and show flavors.'),
    'compute:flavors:manage': (ADMIN_API, 'Create and delete flavors.'),
    'compute:flavor_extra_specs:index': (MEMBER_API, 'Read flavor extra '
                                         'specs.'),
    'compute:flavor_extra_specs:update': (ADMIN_API, 'Set and unset '
                                          'flavor extra specs.'),
    'image:read': (MEMBER_API, 'List and show images.'),
    'image:write': (MEMBER_API, 'Create, change, upload and delete '
                    'images.'),
}


def defaults():
    return _BASE + [policy.RuleDefault(name, check, description)
                    for name, (check, description) in RULES.items()]


class Enforcer(object):
    """The API's oslo.policy enforcer; refusals become 403 faults."""

    def __init__(self, conf):
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults(defaults())
        try:
            self._enforcer.load_rules()
        except cfg.NotInitializedError:
            # Configuration was never parsed (the process has no config
            # files): the defaults are the rules.
            rules = defaults()
            self._enforcer = policy.Enforcer(conf, use_conf=False)
            self._enforcer.register_defaults(rules)
            self._enforcer.set_rules(
                policy.Rules({r.name: r.check for r in rules}),
                use_conf=False)

    def authorize(self, rule, context, target=None):
        if rule not in RULES:
            raise ValueError('unknown policy rule %s' % rule)
        target = target or {'project_id': context.project_id}
        try:
            self._enforcer.authorize(rule, target, context, do_raise=True)
        except policy.PolicyNotAuthorized:
            raise wsgi.HTTPError(
                403, 'Policy does not allow %s to be performed: it needs '
                     'the %s role.' % (rule, 'admin' if RULES[rule][0] ==
                                       ADMIN_API else 'member'))

    def allowed(self, rule, context, target=None):
        target = target or {'project_id': context.project_id}
        return self._enforcer.authorize(rule, target, context,
                                        do_raise=False)
