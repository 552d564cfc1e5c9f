"""The lexicon's on-disk cache: read back it is the same lexicon a fresh build gives, and a
missing, corrupt, stale or unwritable cache costs a rebuild, never an error."""

from __future__ import annotations

import pytest

from chainwatch.text.lexicon import (
    build_lexicon,
    cache_key,
    cached_lexicon,
    lexicon_from_json,
    lexicon_to_json,
    load_lexicon,
)


@pytest.fixture(scope="module")
def fresh():
    return build_lexicon()


def test_a_cached_lexicon_is_identical_to_a_fresh_build(tmp_path, fresh):
    first = cached_lexicon(tmp_path)  # builds and writes the cache
    files = list(tmp_path.glob("lexicon-*.json"))
    assert [f.name for f in files] == [f"lexicon-{cache_key()}.json"]
    second = cached_lexicon(tmp_path)  # reads it back
    assert first == fresh
    assert second == fresh
    assert second.nk_variants == fresh.nk_variants  # same pairs, rules, Hanja, flags
    assert second.syllable_logp == fresh.syllable_logp  # floats exactly equal
    assert list(second.nk_variants) == list(fresh.nk_variants)


def test_the_process_wide_lexicon_is_the_fresh_one(fresh):
    assert load_lexicon() == fresh


@pytest.mark.parametrize(
    "content",
    [b"", b'{"format": 1, "key": "truncated', b"\xff\xfe\x00garbage"],
)
def test_a_corrupt_cache_is_rebuilt(tmp_path, fresh, content):
    path = tmp_path / f"lexicon-{cache_key()}.json"
    path.write_bytes(content)
    assert cached_lexicon(tmp_path) == fresh
    assert lexicon_from_json(path.read_text("utf-8"), cache_key()) == fresh  # rewritten


def test_a_cache_with_another_key_is_never_read(tmp_path, fresh):
    stale = tmp_path / "lexicon-0123456789abcdef01234567.json"
    stale.write_text(lexicon_to_json(fresh, "0123456789abcdef01234567"), "utf-8")
    with pytest.raises(ValueError):
        lexicon_from_json(stale.read_text("utf-8"), cache_key())
    assert cached_lexicon(tmp_path) == fresh
    assert not stale.exists()  # replaced by the current one
    assert (tmp_path / f"lexicon-{cache_key()}.json").exists()


def test_an_unwritable_cache_dir_still_gives_the_lexicon(tmp_path, fresh):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache dir should be", "utf-8")
    assert cached_lexicon(blocker / "chainwatch") == fresh
    assert not list(tmp_path.glob("**/lexicon-*"))
