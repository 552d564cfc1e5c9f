"""LANG-1 on real NK/SK parallel text (../shared/data/korean/kupc_dev.tsv; skipped if absent).

A smoke check of the measured behaviour (bench/lang_eval.py has the numbers): on 10-sentence
documents the verdict is right nearly always, and on single sentences it is rarely wrong,
saying insufficient_evidence instead.
"""

from __future__ import annotations

import csv

import pytest

from chainwatch.text import score_orthography

pytestmark = pytest.mark.shared


@pytest.fixture
def pairs(shared_data):
    path = shared_data / "korean" / "kupc_dev.tsv"
    if not path.exists():
        pytest.skip("kupc_dev.tsv is absent")
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["nk"], r["sk"]) for r in csv.DictReader(f, delimiter="\t")][:400]


def test_documents_of_ten_sentences_get_the_right_norm(pairs):
    right = total = 0
    for i in range(0, len(pairs), 10):
        chunk = pairs[i : i + 10]
        right += score_orthography(" ".join(nk for nk, _ in chunk)).verdict == "nk_norm"
        right += score_orthography(" ".join(sk for _, sk in chunk)).verdict == "sk_norm"
        total += 2
    assert right / total >= 0.9


def test_single_sentences_are_rarely_given_the_wrong_norm(pairs):
    wrong = sum(score_orthography(sk).verdict == "nk_norm" for _, sk in pairs)
    wrong += sum(score_orthography(nk).verdict == "sk_norm" for nk, _ in pairs)
    assert wrong / (2 * len(pairs)) < 0.03
