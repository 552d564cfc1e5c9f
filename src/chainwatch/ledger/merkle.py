"""Merkle tree hashing, inclusion and consistency proofs exactly as RFC 9162 §2.1 (= RFC 6962 §2.1).

Leaves are hashed ``SHA-256(0x00 || data)`` and interior nodes ``SHA-256(0x01 || left || right)``;
a tree of ``n > 1`` leaves splits at ``k``, the largest power of two smaller than ``n``. The empty
tree's hash is ``SHA-256("")``. Functions take *leaf hashes* (what the ledger stores), not the
leaf data, so proofs can be built without re-reading payloads.

Proof generation follows the RFC's recursive definitions (PATH, SUBPROOF); verification follows
its iterative algorithms (§2.1.3.2 and §2.1.4.2), so the two sides are independent and each can
be checked against the other. Everything here is pure: bytes in, bytes or bool out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """MTH of a single entry: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    if n < 2:
        raise ValueError("a split needs at least two leaves")
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes, computed bottom-up with a stack of perfect subtrees.

    Equivalent to the RFC's recursion (tests check that), but linear time and no recursion,
    so prefix roots of large ledgers are cheap enough for a binary search.
    """
    if not leaves:
        return EMPTY_ROOT
    # stack of (height, hash): perfect subtrees, strictly decreasing heights left to right
    stack: list[tuple[int, bytes]] = []
    for leaf in leaves:
        height, value = 0, leaf
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            value = node_hash(left, value)
            height += 1
        stack.append((height, value))
    # the right edge: fold the remaining perfect subtrees from the right (RFC's k-split)
    value = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        value = node_hash(left, value)
    return value


def _mth(leaves: Sequence[bytes]) -> bytes:
    return root(leaves)


def inclusion_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf ``index`` in ``leaves``."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is outside a tree of size {n}")
    path: list[bytes] = []
    lo, hi, m = 0, n, index
    # iterative form of the recursion: collect siblings top-down, then reverse
    while hi - lo > 1:
        k = split_point(hi - lo)
        if m < k:
            path.append(_mth(leaves[lo + k : hi]))
            hi = lo + k
        else:
            path.append(_mth(leaves[lo : lo + k]))
            lo, m = lo + k, m - k
    path.reverse()
    return path


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, path: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` prove ``leaf`` at ``index`` in the tree ``root_hash``?"""
    if index < 0 or index >= tree_size:
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if len(p) != HASH_SIZE or sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def consistency_path(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1: proves the tree of ``old_size`` leaves is a prefix.

    ``old_size == len(leaves)`` gives the empty proof; ``old_size`` must be at least 1 (the RFC
    defines no proof from the empty tree: every tree extends it).
    """
    n = len(leaves)
    if not 0 < old_size <= n:
        raise ValueError(f"old size {old_size} must be between 1 and the tree size {n}")
    path: list[bytes] = []
    lo, hi, m, complete = 0, n, old_size, True
    while True:
        size = hi - lo
        if m == size:
            if not complete:
                path.append(_mth(leaves[lo:hi]))
            break
        k = split_point(size)
        if m <= k:
            path.append(_mth(leaves[lo + k : hi]))
            hi = lo + k
        else:
            path.append(_mth(leaves[lo : lo + k]))
            lo, m, complete = lo + k, m - k, False
    path.reverse()
    return path


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    path: Sequence[bytes],
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (old_size, old_root) a prefix of (new_size, new_root)?"""
    if old_size < 1 or old_size > new_size:
        return False
    if any(len(p) != HASH_SIZE for p in path):
        return False
    if old_size == new_size:
        return not path and old_root == new_root
    if not path:
        return False
    proof = list(path)
    if (
        old_size & (old_size - 1) == 0
    ):  # an exact power of two: the old root is a node of the new tree
        proof.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
