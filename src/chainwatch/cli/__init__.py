"""The ``chainwatch`` command: a thin edge over ``chainwatch.service``."""
