"""The demo's frames: Bluehollow's masters for episode 105, issued marked to its vendors, and
the one that turns up in a dump.

The masters are generated cels (flat fills, black line art, a gradient sky: what animation
frames look like, ``marking.synth``). Each vendor gets its own marked copy (``mark embed``);
Dasol's copy of shot 0420 is then "leaked": downscaled and re-saved as JPEG, the way a frame
pulled from a review portal or a chat ends up on a file server. The catalog names the shot,
the mark names the recipient.
"""

from __future__ import annotations

from pathlib import Path

import cv2

from chainwatch.marking.synth import cel_frame, jpeg, resize

SHOTS = {"sh0420": 105, "sh0430": 106}  # shot -> generator seed
EPISODE = "105"
RECIPIENTS = ("hanbit-motion", "dasol-inkpaint")
LEAKED_BY = "dasol-inkpaint"
LEAKED_SHOT = "sh0420"


def _write(path: Path, rgb) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def write_masters(directory: Path) -> dict[str, Path]:
    """One 960×540 PNG master per shot; returns shot -> path."""
    return {
        shot: _write(directory / f"LF-S1_ep{EPISODE}_{shot}_key_master.png", cel_frame(540, 960, s))
        for shot, s in SHOTS.items()
    }


def leak(issued: Path, dump: Path) -> Path:
    """The leaked copy as found: 75 % size, JPEG quality 75, under another name."""
    rgb = cv2.cvtColor(cv2.imread(str(issued)), cv2.COLOR_BGR2RGB)
    return _write(dump / "IMG_20260812_0931.jpg", jpeg(75)(resize(0.75)(rgb)))
