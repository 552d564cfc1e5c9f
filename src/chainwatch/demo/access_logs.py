"""The demo case's access logs, written deterministically in two real formats.

* ``bluehollow-lanternfall.s3.log`` — Amazon S3 server access log of the studio's bucket:
  the studio uploading, Hanbit downloading from its Seoul office, then Hanbit's access key
  used from Shenyang ten minutes later (impossible travel, hub region, outside its declared
  locations), a burst of 40 downloads in a minute (bulk download), one request from DPRK
  address space, and pre-signed (anonymous) downloads from Dandong.
* ``hanbit-delivery.access.log`` — nginx combined log of Hanbit's delivery server: Hanbit's
  own user from Seoul, and the undeclared Shenyang intermediary's user pulling episode 104-106
  files (CHAIN-1: a party with no authorized engagement handles project assets).

IP addresses are real ranges (see demo/geo/README.md) so the shipped IP data enriches them.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

BUCKET = "bluehollow-lanternfall"
OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
STUDIO_ARN = "arn:aws:iam::111122223333:user/bluehollow-pipeline"
HANBIT_ARN = "arn:aws:iam::111122223333:user/hanbit-motion"  # the vendor's IAM user
UA_CLI = "aws-cli/2.17.0 Python/3.11.9 Windows/10 exe/AMD64"
UA_BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
)
SEOUL, LA = "211.234.5.{}", "104.172.3.{}"
SHENYANG, DANDONG, DPRK = "123.184.20.{}", "123.186.200.{}", "175.45.178.20"


def _key(ep: int, shot: int, kind: str = "key", v: int = 1) -> str:
    return f"LF-S1/ep{ep}/sh{shot:04d}/{kind}_v{v:03d}.png"


def _s3_line(
    rnd: random.Random,
    ts: datetime,
    ip: str,
    requester: str,
    op: str,
    key: str,
    size: int,
    auth: str = "AuthHeader",
) -> str:
    method = "PUT" if "PUT" in op else "GET"
    when = ts.strftime("%d/%b/%Y:%H:%M:%S +0000")
    rid = f"{rnd.getrandbits(64):016X}"
    sent = "-" if method == "PUT" else str(size)
    return (
        f"{OWNER} {BUCKET} [{when}] {ip} {requester} {rid} {op} {key} "
        f'"{method} /{BUCKET}/{key} HTTP/1.1" 200 - {sent} {size} {rnd.randint(20, 900)} '
        f'{rnd.randint(5, 60)} "-" "{UA_CLI}" - {rid.lower()}= SigV4 '
        f"ECDHE-RSA-AES128-GCM-SHA256 {auth} {BUCKET}.s3.us-west-2.amazonaws.com TLSv1.2 - - "
        "us-west-2"
    )


def s3_lines(seed: int = 26) -> list[str]:
    rnd = random.Random(seed)
    studio, hanbit = STUDIO_ARN, HANBIT_ARN
    out: list[tuple[datetime, str]] = []
    day = datetime(2026, 7, 13, 16, 0, tzinfo=UTC)  # 09:00 in Burbank
    for i, ep in enumerate((104, 105, 106)):
        for shot in range(10, 60, 10):
            ts = day + timedelta(minutes=7 * i + shot // 10)
            out.append(
                (
                    ts,
                    _s3_line(
                        rnd,
                        ts,
                        LA.format(20 + i),
                        studio,
                        "REST.PUT.OBJECT",
                        _key(ep, shot),
                        rnd.randint(2_000_000, 9_000_000),
                    ),
                )
            )
    seoul_day = datetime(2026, 7, 14, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
    for n in range(12):
        ts = seoul_day + timedelta(minutes=11 * n)
        out.append(
            (
                ts,
                _s3_line(
                    rnd,
                    ts,
                    SEOUL.format(10 + n % 3),
                    hanbit,
                    "REST.GET.OBJECT",
                    _key(104 + n % 3, 10 + 10 * (n % 5)),
                    4_500_000,
                ),
            )
        )
    # the same access key in Shenyang ten minutes after its last Seoul request
    burst = seoul_day + timedelta(minutes=11 * 11 + 10)
    for n in range(40):
        ts = burst + timedelta(seconds=n)
        key = _key(105, 10 + 10 * (n % 20), "key" if n < 20 else "layout")
        out.append(
            (
                ts,
                _s3_line(
                    rnd, ts, SHENYANG.format(30 + n % 2), hanbit, "REST.GET.OBJECT", key, 4_200_000
                ),
            )
        )
    ts = burst + timedelta(hours=5)
    out.append((ts, _s3_line(rnd, ts, DPRK, hanbit, "REST.GET.OBJECT", _key(105, 420), 3_900_000)))
    for n in range(6):  # pre-signed links, opened from Dandong without credentials
        ts = burst + timedelta(hours=9, minutes=3 * n)
        out.append(
            (
                ts,
                _s3_line(
                    rnd,
                    ts,
                    DANDONG.format(40 + n),
                    "-",
                    "REST.GET.OBJECT",
                    _key(106, 10 + 10 * n),
                    4_000_000,
                    auth="QueryString",
                ),
            )
        )
    return [line for _, line in sorted(out)]


def _nginx_line(ts: datetime, ip: str, user: str, path: str, size: int, ua: str) -> str:
    when = ts.strftime("%d/%b/%Y:%H:%M:%S +0900")
    return f'{ip} - {user} [{when}] "GET {path} HTTP/1.1" 200 {size} "-" "{ua}"'


def nginx_lines(seed: int = 426) -> list[str]:
    rnd = random.Random(seed)
    out: list[tuple[datetime, str]] = []
    local = datetime(2026, 7, 20, 9, 30)  # Seoul time, as nginx logs it
    for n in range(15):
        ts = local + timedelta(minutes=9 * n)
        path = "/delivery/" + _key(104 + n % 3, 10 + 10 * (n % 5), "layout")
        out.append(
            (
                ts,
                _nginx_line(
                    ts,
                    SEOUL.format(12),
                    "hanbit-ftp",
                    path,
                    rnd.randint(1_000_000, 3_000_000),
                    UA_BROWSER,
                ),
            )
        )
    for n in range(18):  # the undeclared intermediary's account, from Shenyang
        ts = local + timedelta(hours=3, minutes=4 * n)
        path = "/delivery/" + _key(104 + n % 3, 10 + 10 * (n % 6))
        out.append(
            (
                ts,
                _nginx_line(
                    ts,
                    SHENYANG.format(77),
                    "yf_render01",
                    path,
                    rnd.randint(3_000_000, 6_000_000),
                    UA_BROWSER,
                ),
            )
        )
    return [line for _, line in sorted(out)]


def write_demo_logs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    s3 = folder / "bluehollow-lanternfall.s3.log"
    s3.write_text("\n".join(s3_lines()) + "\n", "utf-8")
    nginx = folder / "hanbit-delivery.access.log"
    nginx.write_text("\n".join(nginx_lines()) + "\n", "utf-8")
    return [s3, nginx]
