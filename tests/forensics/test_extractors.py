"""What each extractor reads out of a generated file, as an investigator would check it."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime

import pytest

from chainwatch.forensics import InspectOptions, inspect_bytes, samples
from chainwatch.forensics.sniff import sniff_type

RETAKE_KO = "12번 컷 머리 모양을 고쳐주십시오"
RETAKE_ZH = "第12镜 请修改头部形状"


def one(data: bytes, name: str):
    out = inspect_bytes(data, name, InspectOptions())
    assert not out.rejects, out.rejects
    return out.records[-1]


def test_types_come_from_content_not_names():
    assert sniff_type(samples.docx(), "photo.jpg") == "docx"
    assert sniff_type(samples.xlsx(), "x") == "xlsx"
    assert sniff_type(samples.jpeg(), "notes.txt") == "jpeg"
    assert sniff_type(samples.psd(["a"]), "") == "psd"
    assert sniff_type(samples.mp4(), "") == "mp4"
    assert sniff_type(samples.srt(["hi"]).encode(), "") == "srt"
    assert sniff_type(samples.ass().encode(), "") == "ass"
    assert sniff_type(b"a,b\n1,2\n", "list.csv") == "csv"
    assert sniff_type(bytes(range(256)), "") == "unknown"


def test_image_metadata():
    record = one(samples.jpeg(description="cut 12 retake", software="Clip Studio"), "a.jpg")
    assert record.metadata["exif"]["Software"] == "Clip Studio"
    assert record.metadata["width"] == 64 and record.type == "jpeg"
    assert "cut 12 retake" in record.text_excerpt
    png = one(samples.jpeg(fmt="PNG", date="2016:03:01 10:00:00", offset="+08:30"), "a.png")
    assert png.type == "png" and png.offsets_seen == {"+08:30": 2}


def test_pdf_info_fonts_and_text():
    record = one(
        samples.pdf(producer="LibreOffice", title="EP3 layout", text="Fix cut 12"), "a.pdf"
    )
    assert record.metadata["info"]["Producer"] == "LibreOffice"
    assert record.metadata["fonts"] == ["Helvetica"]
    assert "Fix cut 12" in record.text_excerpt and "EP3 layout" in record.text_excerpt


def test_xlsx_psd_srt_csv_text():
    xlsx = one(samples.xlsx(rows=[RETAKE_KO, RETAKE_ZH]), "flow.xlsx")
    assert RETAKE_KO in xlsx.text_excerpt and xlsx.metadata["app"]["Application"]
    psd = one(samples.psd(["수정 sc12", "bg"]), "sc12.psd")
    assert psd.metadata["layers"] == ["수정 sc12", "bg"]
    assert "수정 sc12" in psd.text_excerpt
    srt = one(samples.srt([RETAKE_KO, "second"]).encode(), "ep3.srt")
    assert srt.metadata["cues"] == 2 and "-->" not in srt.text_excerpt
    csv = one(b"shot,note\n12,fix head\n", "notes.csv")
    assert csv.metadata["header"] == ["shot", "note"]


def test_compressed_tar_members_are_named_inside_the_archive():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as tf:
        body = samples.jpeg(date="2016:03:01 10:00:00", offset="+08:30")
        info = tarfile.TarInfo("ep3/sc12.jpg")
        info.size = len(body)
        tf.addfile(info, io.BytesIO(body))
    out = inspect_bytes(buf.getvalue(), "plates.tar.xz", InspectOptions())
    hits = {r.path: [f.rule_id for f in r.findings] for r in out.records}
    assert hits["plates.tar.xz!plates.tar!ep3/sc12.jpg"] == ["FILE-2"]


def test_7z_when_the_extra_is_installed():
    py7zr = pytest.importorskip("py7zr")
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as sz:
        sz.writestr(samples.ass(font="KP CheonRiMa KCC").encode(), "subs/ep3.ass")
    out = inspect_bytes(buf.getvalue(), "d.7z", InspectOptions())
    hits = {r.path: [f.rule_id for f in r.findings] for r in out.records}
    assert hits["d.7z!subs/ep3.ass"] == ["FILE-5"]


def test_text_rules_run_on_extracted_text():
    """FILE-3/FILE-6/LANG-1 come from chainwatch.text, called once for every format."""
    pytest.importorskip("chainwatch.text")
    notes = [RETAKE_ZH, "주체105(2016)년 3월 1일", "로동자들이 머리 모양을 고쳐야 하였다"]
    opts = InspectOptions(korean_vendor_engaged=False)
    for name, data in (
        ("notes.docx", samples.docx(paragraphs=notes)),
        ("retakes.ass", samples.ass(lines=notes).encode()),
        ("notes.txt", "\n".join(notes).encode()),
    ):
        [record] = inspect_bytes(data, name, opts).records
        rules = {f.rule_id for f in record.findings}
        assert {"FILE-3", "FILE-6", "LANG-1"} <= rules, (name, rules)
        assert {lang["lang"] for lang in record.languages} >= {"ko", "zh-Hans"}


def test_kps9566_note_file():
    text = pytest.importorskip("chainwatch.text")
    data = text.encode_kps9566("로동신문 김일성 동지의 혁명력사 머리 모양을 고치시오\n" * 5)
    [record] = inspect_bytes(data, "note.txt", InspectOptions()).records
    assert "FILE-4" in {f.rule_id for f in record.findings}
    assert record.metadata["encoding"].lower().replace("-", "").replace("_", "") == "kps9566"


def test_ocr_is_skipped_with_a_note_when_tesseract_is_absent():
    from chainwatch.forensics.ocr import ocr_languages

    opts = InspectOptions(ocr=True)
    [record] = inspect_bytes(samples.jpeg(), "a.jpg", opts).records
    if not ocr_languages():
        assert any(n.startswith("OCR skipped") for n in record.notes)
    else:
        assert "OCR" not in record.text_sources or record.text_chars >= 0


def test_ocr_reads_korean_in_an_image():
    from chainwatch.forensics.ocr import ocr_languages

    if "kor" not in ocr_languages():
        pytest.skip("tesseract with Korean data is not installed")
    from PIL import Image, ImageDraw, ImageFont

    for font_path in (
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian fonts-wqy-microhei
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ):
        try:
            font = ImageFont.truetype(font_path, 40)
            break
        except OSError:
            continue
    else:
        pytest.skip("no CJK font to draw the test image (fonts-wqy-microhei)")
    img = Image.new("RGB", (900, 200), "white")
    draw = ImageDraw.Draw(img)
    draw.text((10, 30), "머리 모양을 고쳐주십시오", fill="black", font=font)
    draw.text((10, 110), "请修改头部形状", fill="black", font=font)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    opts = InspectOptions(ocr=True, korean_vendor_engaged=False)
    [record] = inspect_bytes(buf.getvalue(), "sketch.png", opts).records
    assert "OCR" in record.text_sources
    assert "머리" in record.text_excerpt and "修改" in record.text_excerpt
    assert {lang["lang"] for lang in record.languages} >= {"ko", "zh-Hans"}


def test_hwp_summary_and_preview():
    created = datetime(2016, 3, 1, 9, 0, tzinfo=UTC)
    data = samples.hwp(
        preview=RETAKE_KO, application="Changdeok 7.0", title="EP3 retakes", created=created
    )
    assert sniff_type(data, "x.bin") == "hwp"
    record = one(data, "retakes.hwp")
    assert record.metadata["summary"] == {
        "application": "Changdeok 7.0",
        "title": "EP3 retakes",
        "created": created.isoformat(),
    }
    assert RETAKE_KO in record.text_excerpt and "HWP PrvText" in record.text_sources
    [finding] = [f for f in record.findings if f.rule_id == "FILE-5"]
    assert finding.evidence["software"] == [
        {"field": "HWP summary application", "value": "Changdeok 7.0"}
    ]


def test_matroska_through_pyav_when_installed():
    av = pytest.importorskip("av")
    from PIL import Image

    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        stream = out.add_stream("mpeg4", rate=5)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        out.metadata["title"] = RETAKE_KO
        for _ in range(3):
            for packet in stream.encode(av.VideoFrame.from_image(Image.new("RGB", (64, 48)))):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    record = one(buf.getvalue(), "cut12.mkv")
    assert record.type == "matroska" and record.metadata["streams"][0]["type"] == "video"
    assert RETAKE_KO in record.text_excerpt


def _iptc_jpeg(datasets: dict[tuple[int, int], bytes]) -> bytes:
    """A JPEG with an IPTC block in its APP13 'Photoshop 3.0' segment (8BIM resource 0x0404),
    the way Photoshop and photo tools write it."""
    import struct

    iptc = b"".join(
        b"\x1c" + bytes([rec, ds]) + struct.pack(">H", len(v)) + v
        for (rec, ds), v in datasets.items()
    )
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc))
    resource += iptc + (b"\x00" if len(iptc) % 2 else b"")
    payload = b"Photoshop 3.0\x00" + resource
    app13 = b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload
    plain = samples.jpeg()
    return plain[:2] + app13 + plain[2:]


def test_iptc_fields_software_and_dates():
    data = _iptc_jpeg(
        {
            (2, 120): b"sc12 retake",  # Caption
            (2, 65): b"Clip Studio Paint",  # OriginatingProgram
            (2, 55): b"20160301",  # DateCreated
            (2, 60): b"100000+0830",  # TimeCreated, Pyongyang Time
        }
    )
    record = one(data, "still.jpg")
    assert record.metadata["iptc"]["Caption"] == "sc12 retake"
    assert record.metadata["iptc"]["OriginatingProgram"] == "Clip Studio Paint"
    assert "sc12 retake" in record.text_excerpt
    assert record.offsets_seen.get("+08:30") == 1
    assert any(f.rule_id == "FILE-2" for f in record.findings)


def test_icc_profile_description():
    from PIL import Image, ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), "white").save(buf, "JPEG", icc_profile=icc)
    record = one(buf.getvalue(), "srgb.jpg")
    assert "sRGB" in record.metadata["icc_description"]


def test_pptx_slides_notes_comments_and_application():
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    data = samples.zip_of(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/ppt/presentation.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>'
                "</Types>"
            ),
            "ppt/presentation.xml": f'<p:presentation xmlns:p="{p}"/>',
            "ppt/slides/slide1.xml": (
                f'<p:sld xmlns:p="{p}" xmlns:a="{a}"><p:cSld><p:spTree><p:sp><p:txBody>'
                f"<a:p><a:r><a:t>{RETAKE_ZH}</a:t></a:r></a:p></p:txBody></p:sp>"
                "</p:spTree></p:cSld></p:sld>"
            ),
            "ppt/notesSlides/notesSlide1.xml": (
                f'<p:notes xmlns:p="{p}" xmlns:a="{a}"><p:cSld><p:spTree><p:sp><p:txBody>'
                f"<a:p><a:r><a:t>{RETAKE_KO}</a:t></a:r></a:p></p:txBody></p:sp>"
                "</p:spTree></p:cSld></p:notes>"
            ),
            "docProps/app.xml": (
                '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                'extended-properties"><Application>Microsoft Office PowerPoint</Application>'
                "</Properties>"
            ),
        }
    )
    record = one(data, "review.pptx")
    assert record.type == "pptx"
    assert RETAKE_ZH in record.text_excerpt and RETAKE_KO in record.text_excerpt
    assert record.metadata["app"]["Application"] == "Microsoft Office PowerPoint"
