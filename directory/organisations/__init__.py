"""Organisations (porteurs) that carry dispositifs."""
