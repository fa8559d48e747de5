"""The compute API v2.1 subset, the image v2 subset and an identity facade.

``app.build(backend)`` returns the WSGI application; ``wsgi`` holds the
request plumbing (routes per resource and microversion range, JSON
schemas, policy first, HTTP errors only at the edge), ``compute/`` and
``image/`` the handlers, ``identity/`` the Keystone v3 facade.
"""
