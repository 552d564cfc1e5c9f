"""Every list format chainwatch reads, by the ``--source`` kind users type.

Built-in loaders register here the way a plugin would: a kind, and a factory.
"""

from __future__ import annotations

from collections.abc import Callable

from chainwatch.errors import InputError
from chainwatch.screening.lists.base import ListLoader
from chainwatch.screening.lists.custom import CustomCsvLoader
from chainwatch.screening.lists.eu import EuCsvLoader, EuXmlLoader
from chainwatch.screening.lists.ofac import OfacAdvancedLoader, OfacLegacyLoader
from chainwatch.screening.lists.opensanctions import OpenSanctionsLoader
from chainwatch.screening.lists.uk import UkLoader
from chainwatch.screening.lists.un import UnLoader

LOADERS: dict[str, Callable[[], ListLoader]] = {
    "ofac_sdn": lambda: OfacLegacyLoader(kind="ofac_sdn"),
    "ofac_cons": lambda: OfacLegacyLoader(kind="ofac_cons"),
    "ofac_advanced": OfacAdvancedLoader,
    "un": UnLoader,
    "eu": EuXmlLoader,
    "eu_csv": EuCsvLoader,
    "uk": UkLoader,
    "opensanctions": OpenSanctionsLoader,
    "custom": CustomCsvLoader,
}


def get_loader(kind: str) -> ListLoader:
    try:
        return LOADERS[kind]()
    except KeyError:
        raise InputError(f"unknown list kind {kind!r}; choose from {', '.join(LOADERS)}") from None
