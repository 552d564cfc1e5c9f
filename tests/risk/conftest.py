"""Fixtures of the risk tests (``make`` builds a RiskInput); see risk_inputs.py."""

from risk_inputs import make  # noqa: F401
