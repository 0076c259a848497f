"""Fictional fiches for load and scale tests (`flask seed demo`), marked as such."""
