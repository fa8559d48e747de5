"""Declarative validation of user-supplied metadata."""
