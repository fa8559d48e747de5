"""Base classes for the project's tests."""

from oslo_config import fixture as config_fixture
from oslotest import base

import nova.conf
from nova.conf import database
from nova import objects

CONF = nova.conf.CONF


class NoDBTestCase(base.BaseTestCase):
    """A test with its own configuration and registered objects.

    Anything it overrides is restored afterwards.
    """

    def setUp(self):
        super().setUp()
        self.conf_fixture = self.useFixture(ConfFixture(CONF))
        objects.register_all()

    def flags(self, group=None, **kw):
        """Override options for this test only."""
        for name, value in kw.items():
            self.conf_fixture.config(group=group, **{name: value})


class ConfFixture(config_fixture.Config):
    """oslo's Config fixture, re-applying library-set defaults.

    ConfigOpts.reset() drops defaults set with set_default(), which is how
    oslo.db's options get the project's SQLite default; set them again.
    """

    def setUp(self):
        super().setUp()
        database.register_opts(self.conf)
