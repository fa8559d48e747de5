"""A run leaves Placement as it found it.

A run's cloud is the only user of the Placement it talks to: it creates a
resource provider per host, and the scheduler would offer any other
provider as a host it does not have.  So a run

* refuses, before it creates anything, a Placement that holds a resource
  provider (:func:`check_empty`), and
* removes, when it ends -- completed, failed or interrupted -- every
  allocation on its providers, the providers (children first), and the
  custom resource classes and traits it added (:func:`remove_created`).

The embedded Placement starts empty and goes away with the process; the
same code runs there, so every run exercises it.
"""

from nova import exception

#: How many provider names the refusal lists.
NAMES_SHOWN = 5


class Snapshot(object):
    """What Placement held before the run: custom classes and traits."""

    def __init__(self, resource_classes, traits):
        self.resource_classes = resource_classes
        self.traits = traits


def check_empty(client):
    """Refuse a Placement with providers; returns a Snapshot."""
    providers = client.get_providers()
    if providers:
        names = sorted(p['name'] for p in providers)
        shown = ', '.join(names[:NAMES_SHOWN])
        if len(names) > NAMES_SHOWN:
            shown += ', ...'
        raise exception.PlacementNotEmpty(
            endpoint=client.endpoint, count=len(names), names=shown)
    return Snapshot(client.get_custom_resource_classes(),
                    client.get_custom_traits())


def _depth(provider, by_uuid):
    depth = 0
    while provider.get('parent_provider_uuid') in by_uuid:
        provider = by_uuid[provider['parent_provider_uuid']]
        depth += 1
    return depth


def remove_created(client, snapshot):
    """Remove what the run added to Placement.

    Returns {'providers': N, 'consumers': N (whose allocations were
    deleted), 'resource_classes': N, 'traits': N, 'problems':
    [sentences]}.  Never raises for Placement:
    it stops at the first failure and says what is left.
    """
    done = {'providers': 0, 'consumers': 0, 'resource_classes': 0,
            'traits': 0, 'problems': []}
    try:
        providers = client.get_providers()
        by_uuid = {p['uuid']: p for p in providers}
        consumers = set()
        for provider in providers:
            consumers.update(client.get_provider_allocations(
                provider['uuid']))
        for consumer in sorted(consumers):
            client.delete_allocation_for_consumer(consumer)
            done['consumers'] += 1
        for provider in sorted(providers, key=lambda p: -_depth(p, by_uuid)):
            client.delete_resource_provider(provider['uuid'])
            done['providers'] += 1
        for name in sorted(client.get_custom_traits() - snapshot.traits):
            client.delete_trait(name)
            done['traits'] += 1
        for name in sorted(client.get_custom_resource_classes() -
                           snapshot.resource_classes):
            client.delete_resource_class(name)
            done['resource_classes'] += 1
    except exception.NovaException as exc:
        done['problems'].append(
            'Placement at %s could not be given back as it was found: %s'
            % (client.endpoint, exc))
    return done
