"""The same services with the nova and placement databases on MariaDB.

A multi-process deployment runs on PostgreSQL or MySQL/MariaDB
(doc/source/admin/services.rst); the other tests use the lab's
PostgreSQL, these the lab's MariaDB (started by the first of them): the
schema migrations (alembic, and Placement's own), the compare-and-swap
that serialises two requests, a live migration, force-complete and abort,
a drain, and the API's state (flavors, images, tokens, services'
settings) under the real ``openstack`` command.
"""

from nova.tests.multinode import test_openstack
from nova.tests.multinode import test_services


class MariaDBServicesTestCase(test_services.ServicesTestCase):

    DATABASE = 'mariadb'

    # Faults of processes and of the network: they do not depend on the
    # SQL server and run on PostgreSQL only.
    for _name in ('test_evacuate_from_a_dead_host',
                  'test_source_compute_killed_mid_migration',
                  'test_conductor_restarted_mid_move',
                  'test_conductor_restarted_mid_drain',
                  'test_rabbitmq_restarted_mid_move',
                  'test_partitioned_host'):
        locals()[_name] = None
    del _name


class MariaDBOpenStackCommandTestCase(
        test_openstack.OpenStackCommandTestCase):

    DATABASE = 'mariadb'

    # The service's settings on MariaDB are used by the live migration
    # test too (the API checks the host is enabled).
    test_forced_down_host_evacuated_then_cleaned = None
