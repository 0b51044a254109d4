"""Checking attached files (scans made at the desk under Nghị định 107/2021, files sent with
an application) before anything is stored.

A file is accepted when its name ends in an accepted extension (`MOTCUA["UPLOAD_EXTENSIONS"]`,
default PDF, JPEG, PNG, TIFF, Word, Excel), its content is really of that type (read from its
first bytes with `puremagic`, so an executable renamed .pdf is refused) and it is not empty
nor larger than `MOTCUA["UPLOAD_MAX_BYTES"]` (default 10 MB). Every refusal says which file
and why, in the officer's or applicant's language."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

import puremagic
from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _

# Names of the same type of content: what a file may be called → what puremagic may say.
SAME = {"jpeg": "jpg", "jfif": "jpg", "jpe": "jpg", "tiff": "tif"}
HEAD = 64 * 1024  # enough for every signature of the accepted types


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
        raise UploadRejected(
            _("“%(name)s” is not a real .%(extension)s file.")
            % {"name": name, "extension": extension}
        )
    return mimetypes.guess_type(f"x.{extension}")[0] or "application/octet-stream"


def response(document) -> FileResponse:
    """The stored file of a dossier document, with the content type found when it was
    checked; the caller has decided that the requester may see the dossier."""
    return FileResponse(
        document.file.open("rb"),
        filename=PurePath(document.file.name).name,
        content_type=document.content_type or "application/octet-stream",
    )
