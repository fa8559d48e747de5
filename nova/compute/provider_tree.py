"""The compute node's view of its resource providers, before it is sent.

A driver fills it in update_provider_tree(); the resource tracker sends
what changed to Placement.
"""

import copy
import dataclasses


@dataclasses.dataclass
class ProviderData:
    uuid: str
    name: str
    parent_uuid: str = None
    inventory: dict = dataclasses.field(default_factory=dict)
    traits: set = dataclasses.field(default_factory=set)


class ProviderTree(object):

    def __init__(self):
        self._providers = {}

    def new_root(self, name, uuid):
        self._providers[name] = ProviderData(uuid=uuid, name=name)
        return self._providers[name]

    def new_child(self, name, parent_name, uuid):
        parent = self._providers[parent_name]
        self._providers[name] = ProviderData(uuid=uuid, name=name,
                                             parent_uuid=parent.uuid)
        return self._providers[name]

    def exists(self, name):
        return name in self._providers

    def data(self, name):
        """A copy of the provider's data; changes go through the setters."""
        return copy.deepcopy(self._providers[name])

    def names(self):
        return list(self._providers)

    def update_inventory(self, name, inventory):
        self._providers[name].inventory = copy.deepcopy(inventory)

    def update_traits(self, name, traits):
        self._providers[name].traits = set(traits)

    def add_traits(self, name, *traits):
        self._providers[name].traits |= set(traits)

    def remove_traits(self, name, *traits):
        self._providers[name].traits -= set(traits)
