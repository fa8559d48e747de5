"""One task class per kind of move."""
