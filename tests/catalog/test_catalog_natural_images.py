"""Catalog matching on natural photographs beside generated studio art: attacked photos find
their master, photos that are not in the catalog match nothing.

The photos are public-domain/CC0 images shipped inside the scikit-image wheel
(``samples.PHOTOS`` has the credits); nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("skimage", reason="natural photos come from scikit-image (test extra)")

from chainwatch.catalog import find_master, local, samples  # noqa: E402
from chainwatch.service import catalog as service  # noqa: E402
from chainwatch.service.chains import import_chain_file  # noqa: E402
from chainwatch.settings import Settings  # noqa: E402
from chainwatch.storage.session import dispose_engines, open_session, upgrade  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IN_CATALOG = ["astronaut", "chelsea", "camera", "grass", "rocket", "clock"]
NOT_IN_CATALOG = ["coffee", "hubble", "retina", "gravel"]
NEAR_DUPLICATES = ["none", "jpeg30", "resize0.25", "grayscale", "social", "mirror", "hue20"]
HEAVY_EDITS = ["crop_center25", "crop_offset50", "rotate15", "screenshot", "overlay", "collage"]


@pytest.fixture(scope="module")
def photo_catalog(tmp_path_factory):
    """(settings, {path stem: photo}): the photos above and four generated frames, catalogued."""
    root = tmp_path_factory.mktemp("photos")
    settings = Settings(home=root / "home", database_url=f"sqlite:///{root / 'cw.db'}")
    upgrade(settings)
    folder = root / "masters"
    for name in IN_CATALOG:
        samples.write_png(folder / f"{name}.png", samples.photo(name))
    for seed in range(4):
        samples.write_png(folder / f"sh{seed:03d}.png", samples.studio_image(seed))
    with open_session(settings) as session:
        import_chain_file(session, FIXTURES / "chain.yaml")
        result = service.add_paths(session, settings, [folder], project="show-s1", episode="101")
    assert result.summary()["added"] == len(IN_CATALOG) + 4
    yield settings
    dispose_engines()


def _match(settings, image):
    with open_session(settings) as session:
        return find_master(session, settings, image)


def _stem(match) -> str:
    return match.path.rsplit("/", 1)[1].removesuffix(".png")


@pytest.mark.parametrize("attack", NEAR_DUPLICATES)
@pytest.mark.parametrize("name", ["astronaut", "grass"])
def test_near_duplicate_photos_are_found_by_pdq(photo_catalog, name, attack):
    leak = samples.attacks()[attack](samples.photo(name))
    matches = _match(photo_catalog, leak)
    assert matches and _stem(matches[0]) == name, attack
    assert matches[0].tier == "pdq" and matches[0].distance <= 31
    assert matches[0].episode == "101"


@pytest.mark.parametrize("attack", HEAVY_EDITS)
@pytest.mark.parametrize("name", ["chelsea", "rocket"])
def test_heavily_edited_photos_are_found(photo_catalog, name, attack):
    suite = samples.attacks(other=samples.photo("coffee"))  # the collage's other half: a photo
    matches = _match(photo_catalog, suite[attack](samples.photo(name)))
    assert matches and _stem(matches[0]) == name, attack
    if matches[0].tier == "local":
        assert matches[0].inliers >= local.MIN_INLIERS


@pytest.mark.parametrize("attack", ["none", "jpeg50", "crop_center50", "screenshot"])
@pytest.mark.parametrize("name", NOT_IN_CATALOG)
def test_photos_not_in_the_catalog_match_nothing(photo_catalog, name, attack):
    assert _match(photo_catalog, samples.attacks()[attack](samples.photo(name))) == []


@pytest.mark.parametrize("attack", ["jpeg50", "contrast0.6", "resize0.25", "crop_center25"])
def test_a_soft_photo_is_found_by_its_few_corners(photo_catalog, attack):
    """A motion-blurred photo: PDQ quality 35 (< 50, so not indexed) and 87 ORB corners at the
    usual FAST threshold; the lower thresholds it is described with still verify it."""
    matches = _match(photo_catalog, samples.attacks()[attack](samples.photo("clock")))
    assert matches and _stem(matches[0]) == "clock", attack
    assert matches[0].tier == "local" and matches[0].inliers >= local.MIN_INLIERS


def test_a_crop_of_a_photo_gives_its_place_in_the_master(photo_catalog):
    """Mark detection registers from this transform: the crop's corner lands where it was cut."""
    master = samples.photo("camera")
    leak = samples.crop(0.25, offset=True)(master)
    (best, *_) = _match(photo_catalog, leak)
    assert _stem(best) == "camera" and best.tier == "local"
    h, w = master.shape[:2]
    x, y = best.transform[0][2], best.transform[1][2]
    assert abs(x - w // 10) < 4 and abs(y - h // 10) < 4
