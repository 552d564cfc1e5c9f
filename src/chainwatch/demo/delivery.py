"""The demo's returned delivery: what Hanbit sent back for episode 105, as one zip.

The files are built here, at demo time, with the same builders the tests use
(``forensics.samples``), so every artifact is exactly the documented format:

* ``notes/retake_ep105_sh0420.txt``: retake notes in Chinese with a Korean translation line
  by line (the 38 North server held such notes, dprk-signals §1.4), and the Korean follows
  North Korean spelling (되였다, 우에, 페지, 할수 있도록, 《》, 로동자): FILE-6 and LANG-1.
* ``frames/LF-S1_ep105_sh0420_key_v003.jpg``: a key frame whose bytes end with a Red Star OS
  watermark trailer holding two stacked marks (two machines), built from §4.1: FILE-1.
* ``reference/LF-S1_model_sheet_hero.pdf``: a model sheet whose PDF creation date carries the
  +08:30 offset only Pyongyang used, in March 2017 (§4.4): FILE-2.

The serials are invented; nothing here comes from a real machine.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from chainwatch.forensics import samples

SERIALS = ["WM4B1D07E2K91QA", "WM0C7F3A9D2X5RB"]  # invented, in the documented alphabet

RETAKE_NOTES = """LF-S1 ep105 sc042 sh0420 修改意见 / 수정의견
1. 人物头发的颜色不对，请按设定修改。 / 인물의 머리색이 틀리였습니다. 설정대로 수정하시오.
2. 背景上方的云层太亮。 / 배경 우에 있는 구름층이 너무 밝습니다.
3. 第12页的动作要更自然。 / 12페지의 동작을 더 자연스럽게 할수 있도록 하시오.
4. 《灯笼》道具的线条断了。 / 《등롱》 소품의 선이 끊어졌습니다. 로동자 옷의 색갈도 다시 보시오.
5. 这一镜头已经修改过。 / 이 장면은 이미 수정되였다.
"""


def write_demo_delivery(directory: Path) -> Path:
    """Write ``LF-S1_ep105_delivery.zip`` into ``directory``; returns the folder to scan."""
    directory.mkdir(parents=True, exist_ok=True)
    frame = samples.jpeg(size=(320, 180), color="#2b3a55", redstar=SERIALS)
    sheet = samples.pdf(
        creation_date="D:20170314093000+08'30'",
        producer="Adobe PDF Library 15.0",
        title="LF-S1 model sheet: hero",
        text="LF-S1 model sheet - hero, turnaround",
    )
    members = {
        "notes/retake_ep105_sh0420.txt": RETAKE_NOTES.encode("utf-8"),
        "frames/LF-S1_ep105_sh0420_key_v003.jpg": frame,
        "reference/LF-S1_model_sheet_hero.pdf": sheet,
    }
    with zipfile.ZipFile(directory / "LF-S1_ep105_delivery.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return directory
