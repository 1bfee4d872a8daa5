"""Files for the tests, made by the tests: Pillow for pictures, a PDF written by hand."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from typing import Any

from PIL import ExifTags, Image

#: The shape of the names ``files.store`` gives.
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(jpg|png|webp|pdf)")


def picture(
    kind: str, size: tuple[int, int] = (64, 48), *, noise: bool = False, exif: Any = None
) -> bytes:
    """A real picture in Pillow's format ``kind``; with ``noise``, one that compresses badly."""
    if noise:
        pixels = hashlib.shake_256(b"noise").digest(size[0] * size[1] * 3)
        image = Image.frombytes("RGB", size, pixels)
    else:
        image = Image.new("RGB", size, (200, 40, 40))
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(out, kind, **options)
    return out.getvalue()


def pdf(*, trailer: bytes = b"", padding: int = 0) -> bytes:
    """A minimal valid one-page PDF, with its cross-reference table, written by hand."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    if padding:
        out += b"%" + b"x" * (padding - 2) + b"\n"  # a comment: still a valid PDF
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def pdf_of_size(total: int) -> bytes:
    """A valid PDF of exactly ``total`` bytes (the offsets it records grow with the padding)."""
    first = pdf(padding=total - len(pdf()))
    return pdf(padding=total - len(pdf()) - (len(first) - total))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: what a decompression bomb looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (46.0, 14.0, 19.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (14.0, 21.0, 20.0)
    return exif
