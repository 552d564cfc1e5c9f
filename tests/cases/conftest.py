"""Fixtures of the case tests (``world``: sample chain + stored findings); see case_world.py."""

from case_world import world  # noqa: F401
