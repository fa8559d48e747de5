"""Versioned objects (oslo.versionedobjects).

Call :func:`register_all` once before using ``nova.objects.<Name>``.
"""


def register_all():
    # Importing a module registers its objects with NovaObjectRegistry,
    # which also publishes them as attributes of this package.
    __import__('nova.objects.compute_node')
    __import__('nova.objects.flavor')
    __import__('nova.objects.host_drain')
    __import__('nova.objects.image_meta')
    __import__('nova.objects.instance')
    __import__('nova.objects.live_migration')
    __import__('nova.objects.migration')
    __import__('nova.objects.migration_context')
    __import__('nova.objects.numa')
    __import__('nova.objects.request_spec')
    __import__('nova.objects.resource')
    __import__('nova.objects.service')
