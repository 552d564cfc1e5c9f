"""RFC 9162 §2.1 Merkle maths: known answers from Certificate Transparency, and every proof
for every tree of 1..40 leaves checked against a naive recursive recomputation."""

from __future__ import annotations

import hashlib

import pytest

from chainwatch.ledger import merkle

# The CT reference test vectors (certificate-transparency merkle_tree_test, also used by
# transparency-dev/merkle): leaf data, roots of each prefix, and published proofs.
CT_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (leaf index, tree size, path)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        ],
    ),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

LEAVES = [merkle.leaf_hash(bytes.fromhex(x)) for x in CT_LEAVES]
ROOTS = [bytes.fromhex(r) for r in CT_ROOTS]


def _hexes(hashes):
    return [h.hex() for h in hashes]


# --- naive reference: the RFC's recursive definitions, written as literally as possible ---


def naive_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return d[0]  # d holds leaf hashes already
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:])).digest()


def naive_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return naive_path(m, d[:k]) + [naive_mth(d[k:])]
    return naive_path(m - k, d[k:]) + [naive_mth(d[:k])]


def naive_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return naive_subproof(m, d[:k], b) + [naive_mth(d[k:])]
    return naive_subproof(m - k, d[k:], False) + [naive_mth(d[:k])]


def leaves_of(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


# --- known answers ---


def test_empty_and_leaf_hashes():
    assert merkle.root([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize("n", range(1, 9))
def test_ct_roots(n):
    assert merkle.root(LEAVES[:n]).hex() == CT_ROOTS[n - 1]


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_ct_inclusion_vectors(index, size, path):
    assert _hexes(merkle.inclusion_path(LEAVES[:size], index)) == path
    proof = [bytes.fromhex(p) for p in path]
    assert merkle.verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_ct_consistency_vectors(old, new, path):
    assert _hexes(merkle.consistency_path(LEAVES[:new], old)) == path
    proof = [bytes.fromhex(p) for p in path]
    assert merkle.verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


def test_split_point():
    assert [merkle.split_point(n) for n in range(2, 10)] == [1, 2, 2, 4, 4, 4, 4, 8]
    with pytest.raises(ValueError):
        merkle.split_point(1)


# --- every size 1..40 against the naive recursion ---

SIZES = range(1, 41)


@pytest.mark.parametrize("n", SIZES)
def test_root_matches_recursive_definition(n):
    d = leaves_of(n)
    assert merkle.root(d) == naive_mth(d)


@pytest.mark.parametrize("n", SIZES)
def test_every_inclusion_proof(n):
    d = leaves_of(n)
    root = naive_mth(d)
    for m in range(n):
        path = merkle.inclusion_path(d, m)
        assert path == naive_path(m, d)
        assert merkle.verify_inclusion(d[m], m, n, path, root)
        # the same path proves nothing else
        assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), m, n, path, root)
        if n > 1:
            assert not merkle.verify_inclusion(d[m], (m + 1) % n, n, path, root)
        if path:
            tampered = list(path)
            tampered[-1] = bytes(32)
            assert not merkle.verify_inclusion(d[m], m, n, tampered, root)
            assert not merkle.verify_inclusion(d[m], m, n, path[:-1], root)
            assert not merkle.verify_inclusion(d[m], m, n, [*path, bytes(32)], root)


@pytest.mark.parametrize("n", SIZES)
def test_every_consistency_proof(n):
    d = leaves_of(n)
    new_root = naive_mth(d)
    for m in range(1, n + 1):
        old_root = naive_mth(d[:m])
        path = merkle.consistency_path(d, m)
        assert path == naive_subproof(m, d, True)
        assert merkle.verify_consistency(m, n, old_root, new_root, path)
        # a different old tree (one leaf changed) is not consistent
        changed = list(d[:m])
        changed[m // 2] = merkle.leaf_hash(b"rewritten")
        assert not merkle.verify_consistency(m, n, naive_mth(changed), new_root, path)
        # a different new root is not consistent
        assert not merkle.verify_consistency(m, n, old_root, merkle.leaf_hash(b"x"), path)
        if path:
            assert not merkle.verify_consistency(m, n, old_root, new_root, path[:-1])
            tampered = list(path)
            tampered[0] = bytes(32)
            assert not merkle.verify_consistency(m, n, old_root, new_root, tampered)


def test_bad_arguments():
    d = leaves_of(5)
    with pytest.raises(ValueError):
        merkle.inclusion_path(d, 5)
    with pytest.raises(ValueError):
        merkle.consistency_path(d, 0)
    with pytest.raises(ValueError):
        merkle.consistency_path(d, 6)
    assert not merkle.verify_inclusion(d[0], 5, 5, [], merkle.root(d))
    assert not merkle.verify_inclusion(d[0], -1, 5, [], merkle.root(d))
    assert not merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, merkle.root(d), [])
    assert not merkle.verify_consistency(6, 5, merkle.root(d), merkle.root(d), [])
    assert not merkle.verify_consistency(3, 5, merkle.root(d[:3]), merkle.root(d), [])
    assert not merkle.verify_consistency(5, 5, merkle.root(d), merkle.root(d), [bytes(32)])
