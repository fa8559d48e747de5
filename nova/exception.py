"""Every error the service raises on purpose.

Each message says what was wrong, why, and (where it helps) what to do.
``code`` is the HTTP status an API layer would answer with.
"""

from nova import utils


class NovaException(Exception):
    """Base of all typed errors; formats ``msg_fmt`` with the keywords."""

    msg_fmt = 'An unknown error occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError) as exc:
                # A programming error in a raise site must not hide the
                # original problem: keep the template and the keywords.
                message = '%s (%s; keywords: %r)' % (
                    self.msg_fmt, exc, kwargs)
        self.message = message
        super().__init__(message)

    def __str__(self):
        return self.message


class Invalid(NovaException):
    msg_fmt = 'Invalid request: %(reason)s'
    code = 400


class InvalidInput(Invalid):
    msg_fmt = 'Invalid input: %(reason)s'


class ValidationError(Invalid):
    """A metadata key set on a flavor or an image breaks a rule.

    The key and the value are the user's: the message repeats them
    shortened (``nova.utils.shorten``); ``kwargs`` keeps them whole.
    """

    msg_fmt = ('Invalid %(kind)s %(key)s=%(value)s: %(rule)s')

    def __init__(self, message=None, **kwargs):
        super().__init__(message, **kwargs)
        if message is None:
            self.message = self.msg_fmt % dict(
                kwargs, key=utils.shorten(kwargs.get('key')),
                value=utils.short_repr(kwargs.get('value')))


class InvalidExtraSpec(ValidationError):
    def __init__(self, key, value, rule):
        super().__init__(kind='flavor extra spec', key=key, value=value,
                         rule=rule)


class InvalidImageProperty(ValidationError):
    def __init__(self, key, value, rule):
        super().__init__(kind='image property', key=key, value=value,
                         rule=rule)


class InvalidFlavorSize(Invalid):
    """A flavor's vCPUs, memory or disk is out of the bounds a host can
    hold (see nova.compute.api.FLAVOR_LIMITS).
    """

    msg_fmt = 'Invalid flavor %(name)s=%(value)s: %(rule)s'

    def __init__(self, name, value, rule):
        super().__init__(name=name, value=utils.short_repr(value),
                         rule=rule)


class OutputUnusable(Invalid):
    """Where a command is asked to write its results cannot take them."""

    msg_fmt = 'Cannot write the results to %(path)s: %(reason)s.'

    def __init__(self, path, reason):
        super().__init__(path=utils.shorten(path), reason=reason)


class MigrationPolicyConflict(Invalid):
    """The flavor and image ask for live-migration features that clash."""

    msg_fmt = '%(detail)s'


class FlavorImageConflict(MigrationPolicyConflict):
    msg_fmt = ('Flavor extra spec %(flavor_key)s=%(flavor_value)s conflicts '
               'with image property %(image_key)s=%(image_value)s: when both '
               'are set they must agree. Unset one of them or make them '
               'equal.')


class AutoConvergeAndPostCopyConflict(MigrationPolicyConflict):
    msg_fmt = ('%(ac_key)s=true (%(ac_origin)s) and %(pc_key)s=true '
               '(%(pc_origin)s) cannot both be set: an instance asks '
               'explicitly for auto-converge or for post-copy, not both. '
               'Set one of them to false or unset it (an SLA tier, '
               'compute:live_migration_sla, lets the monitor throttle first '
               'and switch to post-copy only when needed).')


class SLATierConflict(MigrationPolicyConflict):
    msg_fmt = ('%(tier)s conflicts with %(other)s: %(rule)s. Unset one of '
               'them or choose another tier (cattle, pet or panda; see the '
               'live-migration SLA guide).')


class PostCopyWithVPMEMConflict(MigrationPolicyConflict):
    msg_fmt = ('%(pc_key)s=true (%(pc_origin)s) cannot be used with virtual '
               'persistent memory (hw:pmem=%(pmem)s): post-copy live '
               'migration does not support vPMEM devices. Unset the post-copy '
               'request or use a flavor without hw:pmem.')


class NoValidHost(NovaException):
    msg_fmt = 'No valid host was found. %(reason)s'
    code = 400


class PlacementAPIError(NovaException):
    msg_fmt = ('Placement answered %(method)s %(url)s with HTTP %(status)s: '
               '%(detail)s')
    code = 502


class PlacementUnavailable(NovaException):
    """Placement could not be reached or failed: no answer, or HTTP 5xx.

    One error for a refused connection, a timeout ([placement] timeout)
    and a server error, so that a caller handles "Placement is not
    working" once; the message says which it was.
    """

    msg_fmt = ('Placement at %(endpoint)s is unavailable (%(method)s '
               '%(url)s): %(reason)s. Check that the service runs and '
               'answers, and the [placement] options.')
    code = 503


class PlacementNotEmpty(Invalid):
    """A run needs a Placement that holds nothing yet."""

    msg_fmt = ('Placement at %(endpoint)s already holds %(count)d resource '
               'provider(s) (%(names)s): a run only uses a Placement that '
               'holds no resource provider, and removes what it created '
               'when it ends. Delete them (openstack resource provider '
               'delete UUID) or point [placement] endpoint_override at an '
               'empty Placement.')
    code = 409


class PlacementConflict(PlacementAPIError):
    """A write lost its generation race more often than retries allow."""

    msg_fmt = ('Placement kept rejecting %(method)s %(url)s with a '
               'generation conflict after %(attempts)d attempts: %(detail)s')
    code = 409


class AllocationClaimFailed(NovaException):
    msg_fmt = ('Could not claim %(resources)s for consumer %(consumer)s on '
               'provider(s) %(providers)s: %(detail)s')
    code = 409


class AllocationMoveFailed(NovaException):
    msg_fmt = ('Could not move the allocations of consumer %(source)s to '
               'consumer %(target)s: %(detail)s')
    code = 409


class EmbeddedPlacementError(NovaException):
    msg_fmt = 'The embedded Placement service could not start: %(reason)s'


class MigrationAbortNotAllowed(NovaException):
    """Aborting would lose the guest: its memory lives on two hosts."""

    msg_fmt = ('The migration of instance %(instance_uuid)s cannot be '
               'aborted because it runs in post-copy mode: the guest\'s '
               'memory is split across the source and destination hosts; '
               'let it finish.')
    code = 409


class HypervisorUnavailable(NovaException):
    msg_fmt = 'Cannot connect to the hypervisor at %(uri)s: %(reason)s'
    code = 503


class LibvirtCallFailed(NovaException):
    """A libvirt call failed; ``code`` is libvirt's virErrorNumber."""

    msg_fmt = 'libvirt %(operation)s failed (error %(code)s): %(reason)s'


class InstanceNotFound(NovaException):
    msg_fmt = 'Instance %(instance_id)s could not be found on %(host)s.'
    code = 404


class NoActiveMigration(NovaException):
    msg_fmt = ('Instance %(instance_uuid)s has no live migration running on '
               'this host.')
    code = 409


# -- database ---------------------------------------------------------------

class MigrationNotFound(NovaException):
    msg_fmt = 'Migration %(migration_id)s could not be found.'
    code = 404


class ComputeHostNotFound(NovaException):
    msg_fmt = 'Compute host %(host)s (node %(node)s) could not be found.'
    code = 404


class DBSyncFailed(NovaException):
    msg_fmt = ('Could not upgrade the database at %(url)s to %(version)s: '
               '%(reason)s')


# -- vPMEM ------------------------------------------------------------------

class PmemNamespaceConfigInvalid(Invalid):
    """[libvirt] pmem_namespaces names something wrong."""

    msg_fmt = ('Invalid [libvirt] pmem_namespaces %(value)s: %(reason)s')

    def __init__(self, value, reason):
        super().__init__(value=utils.short_repr(value), reason=reason)


class PmemCommandFailed(NovaException):
    msg_fmt = 'The command %(cmd)s failed: %(reason)s'


class VPMEMXMLError(NovaException):
    msg_fmt = ('Cannot build the destination domain XML of instance '
               '%(instance_uuid)s: %(reason)s')


class VPMEMAssignmentFailed(NovaException):
    msg_fmt = ('Cannot assign vPMEM namespaces to instance %(instance_uuid)s '
               'on %(host)s: %(reason)s')
    code = 409


# -- moves ------------------------------------------------------------------

class ComputeResourcesUnavailable(NovaException):
    """A claim on a compute host did not fit."""

    msg_fmt = ('Insufficient compute resources on %(host)s for instance '
               '%(instance_uuid)s: %(reason)s')
    code = 409


class InstanceInvalidState(Invalid):
    msg_fmt = ('Instance %(instance_uuid)s is %(state)s; %(action)s needs '
               '%(needed)s.')
    code = 409


class UnexpectedInstanceState(InstanceInvalidState):
    """A compare-and-swap on an instance lost: another request changed
    its state first.
    """

    msg_fmt = ('Instance %(instance_uuid)s has %(column)s %(actual)s, '
               'expected %(expected)s: another request changed it first.')


class ObjectActionError(NovaException):
    msg_fmt = 'Object action %(action)s failed because: %(reason)s'


class MigrationPreCheckError(NovaException):
    """The move was refused before anything was claimed."""

    msg_fmt = 'Migration pre-check error: %(reason)s'
    code = 400


class VPMEMLiveMigrationUnsupported(MigrationPreCheckError):
    msg_fmt = ('Instance %(instance_uuid)s has vPMEM namespaces (%(labels)s) '
               'but host %(host)s cannot live-migrate them: it does not '
               'report the trait %(trait)s (needs libvirt >= 5.0.0 and '
               'QEMU >= 3.1.0).')


class ForcedHostLacksTraits(MigrationPreCheckError):
    msg_fmt = ('Host %(host)s was forced for instance %(instance_uuid)s but '
               'does not report %(traits)s, which the instance needs: '
               'forcing a host skips the scheduler, not the capability '
               'checks.  Choose a host that reports them, or let the '
               'scheduler choose.')


class ComputeServiceUnavailable(NovaException):
    msg_fmt = 'Compute service of %(host)s is unavailable at this time.'
    code = 409


class ComputeServiceStillUp(Invalid):
    msg_fmt = ('Compute service of %(host)s is still in use; an instance can '
               'only be evacuated from a host that is down.')
    code = 409


class MigrationStepFailed(NovaException):
    """A fault (injected or real) stopped a move at a named step."""

    msg_fmt = 'Live migration step %(step)s failed on %(host)s: %(reason)s'


class ServiceUnreachable(ComputeServiceUnavailable):
    """A call to a service got no answer in time."""

    msg_fmt = ('The %(binary)s service of %(host)s did not answer '
               '%(method)s: %(reason)s.  Check that the service runs and '
               'reaches the message broker (its heartbeat in the services '
               'table says when it last did).')


class ServiceNotAllowedDatabase(NovaException):
    msg_fmt = ('%(binary)s has no database access: %(what)s must go through '
               'the conductor (objects are persisted by the conductor for '
               'compute services).')


class MultiProcessSQLite(Invalid):
    msg_fmt = ('[database] connection = %(url)s is a SQLite database, which '
               'only one process can write safely; %(binary)s runs as its own '
               'process beside others.  Use PostgreSQL (postgresql+psycopg2://'
               '...) or MySQL/MariaDB (mysql+pymysql://...) for services in '
               'separate processes.')


class MigrationWaitTimeout(NovaException):
    msg_fmt = ('Migration %(migration_uuid)s of instance %(instance_uuid)s '
               'did not reach a final status within %(timeout)s s (last '
               'status: %(status)s).  It goes on; follow it in the '
               'migrations list.')


class ServiceNotFound(NovaException):
    msg_fmt = 'No %(binary)s service is known on host %(host)s.'
    code = 404


class InvalidMigrationPurpose(ValidationError):
    """A live migration's purpose that is not one of MigrationPurpose."""

    def __init__(self, message=None, **kwargs):
        # (The same signature as every typed error, so that it is rebuilt
        # on the other side of an RPC call with its keywords.)
        kwargs.setdefault('kind', 'migration purpose')
        super().__init__(message, **kwargs)


class HostDrainInProgress(NovaException):
    msg_fmt = ('Host %(host)s is already being drained (%(progress)s); one '
               'drain of a host at a time: follow that one to its end.')
    code = 409


class HostDrainNotPossible(NovaException):
    msg_fmt = 'Host %(host)s cannot be drained: %(reason)s'
    code = 409


class HostDrainHostDown(HostDrainNotPossible):
    msg_fmt = ('Host %(host)s cannot be drained: its compute service is down '
               '(or forced down), so its instances cannot be live-migrated.  '
               'Evacuate them instead (openstack server evacuate), once the '
               'host is fenced.')


class HostDrainNotFound(NovaException):
    msg_fmt = 'Host %(host)s has not been drained since the conductor started.'
    code = 404


class HostDrainWaitTimeout(NovaException):
    msg_fmt = ('The drain of %(host)s did not end within %(timeout)s s '
               '(%(progress)s).  It goes on in the conductor; follow it '
               'there.')
