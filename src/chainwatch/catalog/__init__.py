"""Catalog matching: which of the studio's masters does a leaked picture show?

Two tiers (``match.find_master``): PDQ hashes with their dihedral variants in a FAISS binary
index for near-duplicates, then ORB local features with RANSAC for heavy crops, banners and
collages. ``service.catalog`` adds files and matches dumps; docs/catalog.md has the numbers.
"""

from chainwatch.catalog.fingerprint import Pdq, pdq, pdq_dihedral, read_frames, read_image
from chainwatch.catalog.match import CatalogMatch, find_master

__all__ = [
    "CatalogMatch",
    "Pdq",
    "find_master",
    "pdq",
    "pdq_dihedral",
    "read_frames",
    "read_image",
]
