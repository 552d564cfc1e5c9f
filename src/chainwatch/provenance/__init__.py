"""Attestations and provenance: signed vendor declarations and C2PA manifests.

- :mod:`.dsse` — DSSE envelopes (v1): PAE, Ed25519 signatures, several signers.
- :mod:`.statement` — in-toto Statement v1 inside an envelope.
- :mod:`.declaration` — the vendor-declaration predicate ("all my subcontractors on project
  P, and where our staff worked"), validated with one clear error per problem.
- :mod:`.disclosure` — CHAIN-3 from declarations and the registry (pure).
- :mod:`.c2pa_manifest` — C2PA manifests on delivered assets (``c2pa-python``, offline):
  embedded where the format allows, sidecar ``.c2pa`` where it does not; reading and
  verification against the studio's own trust anchor.
- :mod:`.studio_identity` — the studio's private CA and signing certificate for C2PA.

Everything here is pure (no database, no settings, no clock): the service layer
(``chainwatch.service.provenance``) stores keys, declarations and issued manifests.
"""
