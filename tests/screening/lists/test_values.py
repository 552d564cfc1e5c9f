"""The value cleaning every list loader relies on: countries, dates, scripts."""

from __future__ import annotations

import pytest

from chainwatch.screening.lists.values import (
    clean_country,
    clean_date,
    detect_script,
    find_dates,
    split_by_script,
)


@pytest.mark.parametrize(
    "text",
    [
        "Korea, North",
        "Democratic People's Republic of Korea",
        "DPRK",
        "DPRK.",
        "KP",
        "North Korea",
        "Democratic People’s Republic of Korea",
        "Pyongyang",
    ],
)
def test_north_korea_spellings_map_to_kp(text):
    assert clean_country(text) == "kp"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Korea, South", "kr"),
        ("Russian", "ru"),
        ("Crimea", "ua"),
        ("00", None),
        ("UNKNOWN", None),
        ("Democratic Republic of the Congo (DRC)", "cd"),
        ("", None),
    ],
)
def test_other_countries(text, code):
    assert clean_country(text) == code


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("1944-10-13", "1944-10-13"),
        ("1938", "1938"),
        ("13.10.1944", "1944-10-13"),
        ("14/03/1975", "1975-03-14"),
        ("dd/mm/1945", "1945"),
        ("dd/05/1945", "1945-05"),
        ("2026-02-27T00:00:09.554Z", "2026-02-27"),
        ("31.02.1970", None),
        ("soon", None),
    ],
)
def test_dates_become_iso_partial_where_partial(text, iso):
    assert clean_date(text) == iso


def test_dates_in_prose_with_formats():
    formats = ["%d.%m.%Y", "%Y"]
    assert find_dates("19.1.1963 or 8.5.1966", formats) == ("1963-01-19", "1966-05-08")
    assert find_dates("a) 1964 b) 28.8.1962", formats) == ("1964", "1962-08-28")
    assert clean_date("1961.05.02", ["%Y.%m.%d"]) == "1961-05-02"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("최명남", "Hang"),
        ("조선4.26아동영화촬영소", "Hang"),
        ("金正恩", "Hani"),
        ("Ким Чен Ын", "Cyrl"),
        ("KIM Jong Un", "Latn"),
        ("محمد", "Arab"),
        ("4.26", None),
    ],
)
def test_script_detection(text, script):
    assert detect_script(text) == script


def test_mixed_script_cell_splits_into_names():
    assert split_by_script("KIM Kwang Yon 김광연") == ["KIM Kwang Yon", "김광연"]
    assert split_by_script("조선백호무역회사") == ["조선백호무역회사"]
