"""The built-in demo case: a chain, real list rows, IP data and access logs."""
