"""Loaders for official sanctions lists; each yields ``ListEntry`` records plus counted rejects."""
