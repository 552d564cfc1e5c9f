"""FILE-2 (+08:30 timestamps) and FILE-5 (DPRK fonts and software), per field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chainwatch.forensics import InspectOptions, inspect_bytes, samples
from chainwatch.forensics.detect.nk_fonts import is_nk_font
from chainwatch.forensics.detect.pyongyang_time import parse_stamps


def rules(data: bytes, name: str) -> dict[str, dict]:
    out = inspect_bytes(data, name, InspectOptions())
    assert not out.rejects, out.rejects
    [record] = out.records
    return {f.rule_id: dict(f.evidence) for f in record.findings} | {"_record": record}


def test_exif_offset_time_in_the_window():
    found = rules(samples.jpeg(date="2016:03:01 10:00:00", offset="+08:30"), "a.jpg")
    fields = {t["field"] for t in found["FILE-2"]["timestamps"]}
    assert fields == {"EXIF DateTimeOriginal", "EXIF DateTimeDigitized"}
    assert found["_record"].offsets_seen == {"+08:30": 2}


@pytest.mark.parametrize(
    ("date", "offset"),
    [
        ("2019:03:01 10:00:00", "+08:30"),  # after Pyongyang went back to +09:00
        ("2015:08:14 10:00:00", "+08:30"),  # the day before the switch
        ("2016:03:01 10:00:00", "+09:00"),  # Seoul/Tokyo
    ],
)
def test_outside_the_window_or_other_offsets_raise_nothing(date, offset):
    found = rules(samples.jpeg(date=date, offset=offset), "a.jpg")
    assert "FILE-2" not in found
    assert found["_record"].offsets_seen == {offset: 2}  # still reported


def test_pdf_creation_date_with_pyongyang_offset():
    found = rules(samples.pdf(creation_date="D:20170102030405+08'30'"), "b.pdf")
    assert found["FILE-2"]["timestamps"][0] == {
        "field": "PDF CreationDate",
        "value": "D:20170102030405+08'30'",
        "date": "2017-01-02",
    }


def test_video_and_text_timestamps():
    created = datetime(2016, 5, 1, tzinfo=UTC)
    found = rules(samples.mp4(created=created, day="2016-05-01T10:00:00+0830"), "c.mp4")
    assert found["FILE-2"]["timestamps"][0]["field"] == "udta ©day"
    assert found["_record"].metadata["creation_time"] == created.isoformat()
    text = b"delivered 2017-06-01T18:00:00+08:30 per schedule\n"
    assert "FILE-2" in rules(text, "log.txt")


def test_stamp_forms():
    forms = [
        "2016-03-01T10:00:00+08:30",
        "2016:03:01 10:00:00+0830",
        "D:20160301100000+08'30'",
        "Tue, 1 Mar 2016 10:00:00 +0830",
    ]
    for raw in forms:
        [stamp] = parse_stamps("f", raw)
        assert (stamp.offset, stamp.local_date.isoformat()) == ("+08:30", "2016-03-01"), raw


def test_docx_font_table_and_comment_date():
    data = samples.docx(
        paragraphs=["Scene 12"],
        fonts=["Calibri", "KP CheonRiMa KCC"],
        comments=["fix head"],
        comment_date="2016-09-01T10:00:00+08:30",
    )
    found = rules(data, "notes.docx")
    assert found["FILE-5"]["fonts"] == [
        {"field": "word/fontTable.xml", "value": "KP CheonRiMa KCC"}
    ]
    assert found["FILE-2"]["timestamps"][0]["field"] == "word/comments.xml comment date"
    assert "Scene 12" in found["_record"].text_excerpt


def test_ass_style_font_and_pdf_basefont():
    found = rules(samples.ass(font="KP CheongPong Bold").encode(), "ep3.ass")
    assert found["FILE-5"]["fonts"] == [{"field": "ASS Style", "value": "KP CheongPong Bold"}]
    found = rules(samples.pdf(font="KP CheonRiMa KCC", text="Hello"), "x.pdf")
    assert found["FILE-5"]["fonts"][0] == {"field": "PDF /BaseFont", "value": "KPCheonRiMaKCC"}


def test_software_fields():
    found = rules(samples.docx(application="Changdeok 7.0"), "a.docx")
    assert found["FILE-5"]["software"] == [
        {"field": "docProps/app.xml Application", "value": "Changdeok 7.0"}
    ]
    assert "FILE-5" in rules(samples.jpeg(software="Red Star 3.0"), "b.jpg")  # EXIF is ASCII


@pytest.mark.parametrize(
    ("name", "nk"),
    [
        ("KP CheonRiMa KCC", True),
        ("ABCDEF+KPCheongPongKCC", True),
        ("천리마체", True),
        ("KCC-Ganpan", False),  # South Korea's Copyright Commission font
        ("KP Sans", False),  # a bare KP prefix
        ("Arial", False),
    ],
)
def test_font_names(name, nk):
    assert is_nk_font(name) is nk


def test_words_in_body_text_are_not_fonts():
    found = rules(samples.docx(paragraphs=["The Chollima statue, Red Star OS, KP KCC"]), "a.docx")
    assert "FILE-5" not in found


def test_xmp_dates_and_creator_tool():
    import io

    from PIL import Image

    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmp:CreateDate="2017-04-01T09:00:00+08:30" xmp:CreatorTool="Red Star Paint 3.0">'
        '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">cut 12 retake</rdf:li>'
        "</rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    buf = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buf, "JPEG", xmp=xmp.encode())
    found = rules(buf.getvalue(), "x.jpg")
    assert found["FILE-2"]["timestamps"][0]["field"] == "XMP CreateDate"
    assert found["FILE-5"]["software"] == [
        {"field": "XMP CreatorTool", "value": "Red Star Paint 3.0"}
    ]
    assert "cut 12 retake" in found["_record"].text_excerpt
