"""Uploads are judged by their bytes: photos and PDF pass, everything else is refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from portal.uploads import sniff
from portal.uploads.sniff import UploadRefused
from tests.outside import files

ACCEPTED = [
    ("jpeg", files.jpeg, "image/jpeg", ".jpg"),
    ("png", files.png, "image/png", ".png"),
    ("webp", files.webp, "image/webp", ".webp"),
    ("pdf", files.pdf, "application/pdf", ".pdf"),
]


@pytest.mark.parametrize(("name", "make", "content_type", "extension"), ACCEPTED)
def test_allowed_types_are_recognised_from_their_bytes(app, name, make, content_type, extension):
    """JPEG, PNG, WebP photos and PDF files are accepted and typed by content, not name."""
    with app.test_request_context():
        accepted = sniff.accept(make())
    assert accepted.content_type == content_type
    assert accepted.extension == extension
    if content_type.startswith("image/"):
        assert Image.open(io.BytesIO(accepted.data)).format == {"jpeg": "JPEG"}.get(
            name, name.upper()
        )


REFUSED = [
    ("exe renamed .jpg", files.EXE, "只接受"),
    ("html named .pdf", files.HTML, "只接受"),
    ("svg with script", files.SVG, "只接受"),
    ("zip", files.ZIP, "只接受"),
    ("heic", files.HEIC, "只接受"),
    ("gif", files.image_bytes("GIF"), "只接受"),
    ("empty", b"", "文件是空的"),
    ("jpeg header then html", b"\xff\xd8\xff\xe0" + files.HTML, "无法读取"),
    ("truncated jpeg", files.jpeg(size=(64, 64))[:-200], "无法读取"),
    ("png header then junk", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "无法读取"),
    ("webp header then junk", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 40, "无法读取"),
    ("pdf header, no end", b"%PDF-1.7\n<html><script>alert(1)</script>", "不完整"),
    ("pdf header too late", b"<html>" + files.pdf(), "只接受"),
]


@pytest.mark.parametrize(("data", "reason"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_other_content_is_refused_with_a_reason(app, data, reason):
    """Files that are not really a photo or PDF are refused, saying why in Chinese."""
    with app.test_request_context(), pytest.raises(UploadRefused) as refused:
        sniff.accept(data)
    assert reason in str(refused.value)


def test_decompression_bomb_is_refused(app):
    """A small PNG that would decode to a huge image is refused before decoding."""
    bomb = files.image_bytes("PNG", size=(8000, 6000), color=(0, 0, 0))
    assert len(bomb) < 1_000_000
    with app.test_request_context(), pytest.raises(UploadRefused) as refused:
        sniff.accept(bomb)
    assert "像素过高" in str(refused.value)


def test_photo_metadata_is_removed():
    """Stored photos carry no EXIF: no GPS position, no phone model."""
    original = files.jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it had GPS
    stored = sniff.accept(original).data
    exif = Image.open(io.BytesIO(stored)).getexif()
    assert not exif.get_ifd(0x8825) and 0x0110 not in exif


def test_photo_orientation_is_applied():
    """A photo the phone marked as rotated is stored upright."""
    stored = sniff.accept(files.jpeg_rotated()).data
    assert Image.open(io.BytesIO(stored)).size == (20, 40)


def test_large_photo_is_scaled_down():
    """A photo larger than 2560 px on its long edge is stored at 2560 px."""
    big = files.jpeg(size=(4000, 3000))
    stored = Image.open(io.BytesIO(sniff.accept(big).data))
    assert stored.size == (2560, 1920)


def test_appended_payload_is_dropped():
    """Bytes hidden after the image data (a polyglot) do not survive re-encoding."""
    data = files.png() + files.HTML
    assert files.HTML not in sniff.accept(data).data


@pytest.mark.parametrize(
    ("given", "extension", "expected"),
    [
        ("证书.jpg", ".jpg", "证书.jpg"),
        ("C:\\Users\\me\\证书 2024.JPG", ".jpg", "证书 2024.jpg"),
        ("../../etc/passwd", ".png", "passwd.png"),
        ('a"b;c\r\nd.exe', ".pdf", "a_b_c_d.pdf"),
        ("", ".png", "proof.png"),
        (None, ".pdf", "proof.pdf"),
        ("...", ".jpg", "proof.jpg"),
        ("x" * 300 + ".jpg", ".jpg", "x" * 100 + ".jpg"),
        # U+202E RIGHT-TO-LEFT OVERRIDE: "报告\u202egpj.exe" shows as "报告exe.jpg".
        ("报告\u202egpj.exe", ".pdf", "报告gpj.pdf"),
        *(
            (f"a{chr(code)}b.pdf", ".pdf", "ab.pdf")
            for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
        ),
        ("zero\u200bwidth\ufeff.jpg", ".jpg", "zerowidth.jpg"),  # other Cf
        ("c1\x85\x9fcontrol.png", ".png", "c1_control.png"),  # Cc beyond ASCII
    ],
)
def test_file_names_are_cleaned(given, extension, expected):
    """Shown names lose paths, quotes and control characters and take the real type's extension."""
    assert sniff.clean_name(given, extension) == expected
