"""Handlers of the compute API v2.1 subset, one module per resource."""
