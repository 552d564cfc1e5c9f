"""A small generated catalog (cels and pencil sketches) shared by the matcher tests.

Fingerprinting is the slow part, so one SQLite catalog is built per module; tests that
write (re-adding, labels, CLI) build their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainwatch.catalog import samples
from chainwatch.service import catalog as service
from chainwatch.service.chains import import_chain_file
from chainwatch.settings import Settings
from chainwatch.storage.session import dispose_engines, open_session, upgrade

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
N_MASTERS = 12  # seeds 0..11: even seeds are cels, odd seeds sketches


def write_masters(folder: Path, n: int = N_MASTERS) -> list[Path]:
    return [
        samples.write_png(folder / f"ep101/sh{i:03d}.png", samples.studio_image(i))
        for i in range(n)
    ]


@pytest.fixture
def masters_writer():
    """write_masters(folder, n) for tests that build their own catalog."""
    return write_masters


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """(settings, master paths): a SQLite home with the masters added to project show-s1."""
    root = tmp_path_factory.mktemp("catalog")
    settings = Settings(home=root / "home", database_url=f"sqlite:///{root / 'cw.db'}")
    upgrade(settings)
    masters = write_masters(root / "masters")
    with open_session(settings) as session:
        import_chain_file(session, FIXTURES / "chain.yaml")
        result = service.add_paths(
            session, settings, [root / "masters"], project="show-s1", episode="101"
        )
    assert result.summary()["added"] == N_MASTERS
    yield settings, masters
    dispose_engines()
