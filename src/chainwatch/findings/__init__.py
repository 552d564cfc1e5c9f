"""Findings: the rule catalogue and the findings that cite it."""
