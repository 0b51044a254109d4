"""Checking attached files (scans made at the desk under Nghị định 107/2021, files sent with
an application) before anything is stored.

A file is accepted when its name ends in an accepted extension (`MOTCUA["UPLOAD_EXTENSIONS"]`,
default PDF, JPEG, PNG, TIFF, Word, Excel), its content is really of that type (read from its
first bytes with `puremagic`, so an executable renamed .pdf is refused) and it is not empty
nor larger than `MOTCUA["UPLOAD_MAX_BYTES"]` (default 10 MB). Then its inside is checked
(docs/security.md): a PDF may hold no JavaScript, launch action or embedded file (its object
streams are inflated and read too); a .docx/.xlsx must be a real Office Open XML package
(a zip with [Content_Types].xml and word/ or xl/) without macros; a .doc/.xls must be a real
OLE compound file holding a Word document or an Excel workbook, without macros. Every refusal
says which file and why, in the officer's or applicant's language.

`response` serves a stored file and writes a "dossier.file_downloaded" audit row."""

from __future__ import annotations

import io
import mimetypes
import re
import zipfile
import zlib
from pathlib import PurePath

import puremagic
from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _

from motcua.core import audit

# Names of the same type of content: what a file may be called → what puremagic may say.
SAME = {"jpeg": "jpg", "jfif": "jpg", "jpe": "jpg", "tiff": "tif"}
HEAD = 64 * 1024  # enough for every signature of the accepted types

# PDF names that run code or carry files; a name ends at white space or a delimiter.
PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?)(?=[\s/<>\[\]()%{}]|$)")
PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")  # /J#61vaScript is /JavaScript
PDF_INFLATED_MAX = 50 * 1024 * 1024  # what all object streams of one file may inflate to
OOXML_PART = {"docx": "word/", "xlsx": "xl/"}
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream a real Word document or Excel workbook holds, as its UTF-16 directory name.
OLE_STREAMS = {"doc": ("WordDocument",), "xls": ("Workbook", "Book")}
OLE_MACROS = "_VBA_PROJECT".encode("utf-16-le")


class UploadRejected(ValueError):
    """A file that may not be attached; the message names it and says why."""


def _kind(extension: str) -> str:
    extension = extension.lower().lstrip(".")
    return SAME.get(extension, extension)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def check(upload) -> str:
    """The content type of an acceptable upload; raises UploadRejected otherwise."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower().lstrip(".")
    allowed = settings.MOTCUA["UPLOAD_EXTENSIONS"]
    limit = settings.MOTCUA["UPLOAD_MAX_BYTES"]
    if extension not in allowed:
        raise UploadRejected(
            _("“%(name)s”: this type of file is not accepted (accepted: %(allowed)s).")
            % {"name": name, "allowed": ", ".join(f".{e}" for e in allowed)}
        )
    if not upload.size:
        raise UploadRejected(_("“%(name)s” is empty.") % {"name": name})
    if upload.size > limit:
        raise UploadRejected(
            _("“%(name)s” is %(size)s MB; files may be at most %(limit)s MB.")
            % {"name": name, "size": _megabytes(upload.size), "limit": _megabytes(limit)}
        )
    upload.seek(0)
    head = upload.read(HEAD)
    upload.seek(0)
    try:
        found = {_kind(match.extension) for match in puremagic.magic_string(head)}
    except puremagic.PureError:
        found = set()
    if _kind(extension) not in found:
        raise _not_real(name, extension)
    if extension in ("pdf", "docx", "xlsx", "doc", "xls"):
        content = upload.read()
        upload.seek(0)
        if extension == "pdf":
            _check_pdf(name, content)
        elif extension in OOXML_PART:
            _check_ooxml(name, extension, content)
        else:
            _check_ole(name, extension, content)
    return mimetypes.guess_type(f"x.{extension}")[0] or "application/octet-stream"


def _not_real(name: str, extension: str) -> UploadRejected:
    return UploadRejected(
        _("“%(name)s” is not a real .%(extension)s file.") % {"name": name, "extension": extension}
    )


def _macros(name: str, extension: str) -> UploadRejected:
    return UploadRejected(
        _("“%(name)s” contains macros; save it as a .%(extension)s file without macros.")
        % {"name": name, "extension": extension}
    )


def pdf_is_active(content: bytes) -> bool:
    """Whether a PDF holds JavaScript (an /OpenAction or /AA that runs script names /JS),
    a /Launch action or an embedded file, in its objects or in its object streams."""
    outside = PDF_HEX_ESCAPE.sub(
        lambda m: bytes([int(m[1], 16)]), PDF_STREAM.sub(b"stream endstream", content)
    )
    if PDF_ACTIVE.search(outside):
        return True
    budget = PDF_INFLATED_MAX
    for match in PDF_STREAM.finditer(content):
        dictionary = content[max(0, match.start() - 512) : match.start()]
        if b"/ObjStm" not in PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), dictionary):
            continue  # page content, images and fonts are not objects
        inflater = zlib.decompressobj()
        try:
            objects = inflater.decompress(match[1], budget)
        except zlib.error:
            continue  # encrypted or damaged: nothing more to read (docs/security.md)
        budget -= len(objects)
        if PDF_ACTIVE.search(PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), objects)):
            return True
        if budget <= 0:
            return True  # an inflation bomb is not a document
    return False


def _check_pdf(name: str, content: bytes) -> None:
    if pdf_is_active(content):
        raise UploadRejected(
            _(
                "“%(name)s” contains scripts, automatic actions or attached files; "
                "print it to a plain PDF and attach that."
            )
            % {"name": name}
        )


def _check_ooxml(name: str, extension: str, content: bytes) -> None:
    content_types = None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = package.namelist()
            if "[Content_Types].xml" in names:
                with package.open("[Content_Types].xml") as types:
                    content_types = types.read(1024 * 1024)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise _not_real(name, extension) from None
    if content_types is None or not any(n.startswith(OOXML_PART[extension]) for n in names):
        raise _not_real(name, extension)
    if (
        any(PurePath(n).name.lower() == "vbaproject.bin" for n in names)
        or b"macroenabled" in content_types.lower()
    ):
        raise _macros(name, extension)


def _check_ole(name: str, extension: str, content: bytes) -> None:
    """A compound file header as [MS-CFB] 2.2 has it, and the stream of a document."""
    header = content[:512]
    valid = (
        len(content) >= 1536  # header, one FAT sector, one directory sector
        and header[:8] == OLE_SIGNATURE
        and header[28:30] == b"\xfe\xff"  # little-endian byte order mark
        and (header[26:28], header[30:32])
        in {(b"\x03\x00", b"\x09\x00"), (b"\x04\x00", b"\x0c\x00")}
        and any(s.encode("utf-16-le") in content for s in OLE_STREAMS[extension])
    )
    if not valid:
        raise _not_real(name, extension)
    if OLE_MACROS in content:
        raise _macros(name, extension)


def response(document, actor=None, **context) -> FileResponse:
    """The stored file of a dossier document, with the content type found when it was
    checked; the caller has decided that the requester may see the dossier. Writes a
    "dossier.file_downloaded" audit row: by `actor` (the signed-in officer; None for an API
    token, whose name goes in `context`)."""
    audit.record(
        "dossier.file_downloaded",
        document,
        actor,
        document.name,
        dossier_id=document.dossier_id,
        **context,
    )
    return FileResponse(
        document.file.open("rb"),
        filename=PurePath(document.file.name).name,
        content_type=document.content_type or "application/octet-stream",
    )
