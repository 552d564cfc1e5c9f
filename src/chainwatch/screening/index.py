"""In-memory candidate index: find every list entry a query could plausibly be.

yente pulls candidates from Elasticsearch ``should`` clauses over names, name tri-grams,
name parts and metaphone keys (reference §1.3) and Watchman from an inverted name-token index
(§2.3); a candidate missed here can never be scored, so recall comes first. Each indexed name
contributes the keys of *all* its comparable forms (original script and every romanization,
transliterate.py):

- ``t:`` distinctive tokens (generic trade words and legal forms are left out, §6.4);
- ``g:`` character 3-grams of each token padded with spaces, for typos and spacing
  (MYONGCHOL vs MYONG CHOL);
- ``p:`` a consonant skeleton per token, folding the consonant pairs that romanization
  systems spell differently (k/g, p/b, t/d, ch/j/z, r/l), so GIM finds KIM and BAEKHO finds
  PAEKHO. These keys only *recall* candidates: the scorer never rewards a name's sound;
- ``i:`` identifiers, normalized (spaces, dashes, case dropped).

Keys are weighted by inverse document frequency; keys in more than ``MAX_DF_SHARE`` of all
names (``g: an``) are skipped, which keeps a query's cost bounded. The best name of each entry
ranks the entry; ``candidates`` returns the top ones for full scoring.
"""

from __future__ import annotations

import heapq
import math
import re
from array import array
from collections.abc import Iterable

from chainwatch.domain import ListEntry
from chainwatch.screening.normalize import GENERIC, LEGAL, STOP, NormName
from chainwatch.screening.scorer import Prepared, prepare_entry

MAX_DF_SHARE = 0.01
RELATIVE_FLOOR = 0.3
KEY_WEIGHT = {"t": 1.0, "g": 0.35, "p": 0.5, "i": 20.0}

_DIGRAPHS = re.compile(r"ch|sh|kh|ph|th|ts|tz|ng|zh")
_DIGRAPH_MAP = {
    "ch": "C",
    "sh": "S",
    "kh": "K",
    "ph": "P",
    "th": "T",
    "ts": "C",
    "tz": "C",
    "ng": "N",
    "zh": "C",
}
_FOLD = str.maketrans("bpfvgkqcdtjzxslrmn", "PPPPKKCKTTCCSSRRMN", "aeiouyhw")


def skeleton(token: str) -> str:
    """Consonant skeleton for recall only: ``myeong`` and ``myong`` → ``MN``; ``gim`` → ``KM``."""
    if not token.isascii() or not token.isalpha():
        return ""
    s = _DIGRAPHS.sub(lambda m: _DIGRAPH_MAP[m.group(0)], token)
    s = s.translate(_FOLD)
    out = [c for i, c in enumerate(s) if i == 0 or s[i - 1] != c]
    return "".join(out)


def name_keys(name: NormName) -> set[str]:
    """All index keys of one comparable name form."""
    low = (GENERIC, LEGAL, STOP)
    toks = [t for t, k in zip(name.texts, name.kinds, strict=True) if k not in low]
    if not toks:
        toks = list(name.texts)
    keys: set[str] = set()
    for t in toks:
        keys.add("t:" + t)
        padded = f" {t} "
        keys.update("g:" + padded[i : i + 3] for i in range(len(padded) - 2))
        sk = skeleton(t)
        if len(sk) >= 2:
            keys.add("p:" + sk)
    return keys


class ScreeningIndex:
    """Entries, their prepared names, and postings from keys to name-form ids."""

    def __init__(self) -> None:
        self.entries: list[ListEntry] = []
        self.prepared: list[Prepared] = []
        self._form_entry = array("I")  # form id -> entry index
        self._postings: dict[str, array] = {}
        self._idf: dict[str, float] = {}

    @classmethod
    def build(cls, entries: Iterable[ListEntry]) -> ScreeningIndex:
        index = cls()
        postings: dict[str, list[int]] = {}
        for entry in entries:
            e = len(index.entries)
            prepared = prepare_entry(entry)
            index.entries.append(entry)
            index.prepared.append(prepared)
            first_form: int | None = None
            for pname in prepared.names:
                for form in pname.forms:
                    fid = len(index._form_entry)
                    index._form_entry.append(e)
                    first_form = fid if first_form is None else first_form
                    for key in name_keys(form):
                        postings.setdefault(key, []).append(fid)
            if first_form is None:
                index._form_entry.append(e)
                first_form = len(index._form_entry) - 1
            for value in prepared.ids:
                postings.setdefault("i:" + value, []).append(first_form)
        n = max(1, len(index._form_entry))
        cap = max(50, int(n * MAX_DF_SHARE))
        for key, ids in postings.items():
            if len(ids) > cap and key[0] != "i":
                continue
            index._postings[key] = array("I", ids)
            index._idf[key] = KEY_WEIGHT[key[0]] * math.log(1 + n / len(ids))
        return index

    def __len__(self) -> int:
        return len(self.entries)

    def candidate_ids(
        self, query: Prepared, limit: int = 20, min_keep: int = 10
    ) -> list[tuple[int, float]]:
        """(entry index, recall score) of the ``limit`` most promising entries."""
        keys: set[str] = set()
        for pname in query.names:
            for form in pname.forms:
                keys |= name_keys(form)
        keys.update("i:" + v for v in query.ids)
        acc: dict[int, float] = {}
        get = acc.get
        for key in keys:
            ids = self._postings.get(key)
            if ids is None:
                continue
            w = self._idf[key]
            for fid in ids:
                acc[fid] = get(fid, 0.0) + w
        best: dict[int, float] = {}
        fe = self._form_entry
        for fid, s in acc.items():
            e = fe[fid]
            if s > best.get(e, 0.0):
                best[e] = s
        top = heapq.nlargest(limit, best.items(), key=lambda kv: kv[1])
        # entries sharing less than a third of the best one's key weight are not worth scoring
        floor = top[0][1] * RELATIVE_FLOOR if top else 0.0
        return [kv for i, kv in enumerate(top) if kv[1] >= floor or i < min_keep]

    def candidates(self, query: object, limit: int = 20) -> list[ListEntry]:
        """The entries most worth scoring for ``query`` (a name, ``MatchQuery``, ``Party``,
        ``ListEntry`` or prepared query), best first."""
        if not isinstance(query, Prepared):
            from chainwatch.screening.compare import prepare  # compare imports this module

            query = prepare(query)  # type: ignore[arg-type]
        return [self.entries[e] for e, _ in self.candidate_ids(query, limit, min_keep=limit)]
