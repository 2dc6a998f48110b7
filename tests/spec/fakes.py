"""Stand-ins for what compiled getters and predicates read from a running Frame."""
from __future__ import annotations


class Ctx:
    """The context object (`$$`) and variables, as a Frame offers them."""

    def __init__(self, context=None, variables=None):
        self._context = context or {}
        self.variables = variables or {}

    def context_object(self):
        return self._context
