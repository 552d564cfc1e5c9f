"""``chainwatch catalog add/match/stats`` end to end on a real SQLite home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainwatch.catalog import samples

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def assert_user_error(r, *words: str) -> None:
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    for word in words:
        assert word in lines[0], r.stderr
    assert "Traceback" not in r.output


@pytest.fixture
def home(cli, tmp_path):
    assert cli("init").exit_code == 0
    assert cli("chain", "import", str(FIXTURES / "chain.yaml")).exit_code == 0
    return tmp_path


def test_add_match_round_trip(cli, home, masters_writer):
    masters_writer(home / "masters", 4)
    r = cli("catalog", "add", str(home / "masters"), "--project", "show-s1", "--episode", "101",
            "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["summary"]["added"] == 4

    r = cli("catalog", "add", str(home / "masters"), "--project", "show-s1", "--shot", "[b]A1")
    assert r.exit_code == 0, r.output
    assert "0 added, 4 updated" in r.output

    dump = home / "dump"
    samples.write_png(dump / "leak [red].png", samples.social(samples.studio_image(1)))
    samples.write_png(dump / "crop.png", samples.crop(0.5)(samples.studio_image(2)))
    samples.write_png(dump / "other.png", samples.pencil_sketch(4321))
    (dump / "readme.txt").write_text("hi", "utf-8")
    r = cli("catalog", "match", str(dump), "--json", "--record")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["summary"] == {
        "files": 3,
        "matched": 2,
        "findings": 2,
        "rejects": 1,
        "rejects_by_reason": {"not an image or video chainwatch can read": 1},
    }
    assert data["recorded"] == {"new": 2, "refreshed": 0}
    by_name = {Path(f["path"]).name: f for f in data["files"]}
    leak = by_name["leak [red].png"]["matches"][0]
    assert (leak["project"], leak["episode"], leak["shot"], leak["tier"]) == (
        "show-s1",
        "101",
        "[b]A1",
        "pdq",
    )
    assert by_name["crop.png"]["matches"][0]["tier"] == "local"
    assert by_name["other.png"]["matches"] == []

    r = cli("catalog", "match", str(dump / "leak [red].png"))  # Rich: user text shown as-is
    assert r.exit_code == 0, r.output
    assert "[b]A1" in r.output and "[red]" in r.output
    assert "1 finding(s)" in r.output

    r = cli("findings", "list", "--json")
    assert r.exit_code == 0, r.output
    assert sum(f["rule_id"] == "CAT-1" for f in json.loads(r.output)) == 2

    r = cli("catalog", "stats", "--json")
    assert json.loads(r.output)["assets"] == 4


def test_user_mistakes_exit_2(cli, home):
    master = samples.write_png(home / "m.png", samples.studio_image(0))
    assert_user_error(cli("catalog", "add", str(master), "--project", "nope"), "no project")
    assert_user_error(
        cli("catalog", "add", str(home / "absent.png"), "--project", "show-s1"), "no such file"
    )
    assert_user_error(cli("catalog", "match", str(home / "absent.png")), "no such file")
    r = cli("catalog", "add", str(master))
    assert r.exit_code == 2 and "Traceback" not in r.output  # missing --project: Typer usage


def test_video_master_is_sampled_and_matched(cli, home):
    av = pytest.importorskip("av")
    clip = home / "shot.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("mpeg4", rate=12)
        stream.width, stream.height, stream.pix_fmt = 256, 144, "yuv420p"
        for i in range(36):  # 3 s: two shots of 1.5 s
            rgb = samples.studio_image(0 if i < 18 else 3, size=(256, 144))
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    r = cli("catalog", "add", str(clip), "--project", "show-s1", "--json")
    assert r.exit_code == 0, r.output
    (added,) = json.loads(r.output)["files"]
    assert added["media"] == "video" and added["frames"] >= 2

    leak = samples.write_png(home / "still.png", samples.studio_image(3, size=(256, 144)))
    r = cli("catalog", "match", str(leak), "--json")
    (m,) = json.loads(r.output)["files"][0]["matches"]
    assert m["path"] == str(clip) and m["frame"] >= 18


def test_h264_leak_names_each_shot_it_shows(cli, home, masters_writer):
    """A leaked clip (H.264, CRF 35) made of two catalogued stills matches both masters."""
    av = pytest.importorskip("av")
    if "libx264" not in av.codecs_available:
        pytest.skip("this PyAV build has no libx264")
    masters_writer(home / "masters", 4)
    assert cli("catalog", "add", str(home / "masters"), "--project", "show-s1").exit_code == 0
    clip = home / "leak.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("libx264", rate=12, options={"crf": "35", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = 512, 288, "yuv420p"
        for i in range(48):  # 2 s of master 1, then 2 s of master 2
            rgb = samples.studio_image(1 if i < 24 else 2)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    r = cli("catalog", "match", str(clip), "--json")
    assert r.exit_code == 0, r.output
    (fm,) = json.loads(r.output)["files"]
    assert fm["media"] == "video" and fm["frames"] >= 2
    assert {Path(m["path"]).name for m in fm["matches"]} == {"sh001.png", "sh002.png"}
    assert all(m["tier"] == "pdq" for m in fm["matches"])
