"""The evidence ledger's pure parts: RFC 9162 Merkle maths, canonical bytes, signed checkpoints.

No session, no clock, no files: ``chainwatch.service.ledger`` stores entries and keys and
calls into here. An auditor can verify a proof with only these modules, a checkpoint note
and the operator's public key (see docs/ledger.md).
"""
