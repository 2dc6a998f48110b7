"""Bundled example state machines and their Python handlers."""
