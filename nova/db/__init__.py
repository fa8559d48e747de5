"""Persistence: the SQLAlchemy models, their API and the schema history.

``nova.db.api`` is what the object layer calls; ``nova.db.migration``
brings a database to the schema of ``nova.db.models``.
"""
