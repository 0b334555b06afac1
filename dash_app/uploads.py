"""The files of a multipart/form-data request, each with its real size, for POST /api/predict.

Werkzeug drops the whole form when a part's headers are not UTF-8 (a file name from an old
client, say); such a body is split again here, leniently, so every part still gets a result.
"""

from __future__ import annotations

from flask import Request
from werkzeug.http import parse_options_header

from dash_app.classify import Upload

_CHUNK = 1 << 20


def request_uploads(request: Request, limit: int) -> list[Upload]:
    """Every file part of the request, in order, its bytes kept up to `limit` + 1."""
    body = request.get_data(cache=True, parse_form_data=False)  # kept for the fallback below
    uploads = [_read(storage.filename, storage.stream, limit)
               for _, storage in request.files.items(multi=True)]
    if not uploads and request.mimetype == "multipart/form-data":
        uploads = _parse_leniently(body, request.content_type or "", limit)
    return [Upload(upload.name or f"file{i + 1}", upload.data, upload.size)
            for i, upload in enumerate(uploads)]


def _read(name: str | None, stream, limit: int) -> Upload:
    data = stream.read(limit + 1)
    size = len(data)
    if size > limit:  # count the rest without keeping it, so the error can give the real size
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
    return Upload(name or "", data, size)


def _parse_leniently(body: bytes, content_type: str, limit: int) -> list[Upload]:
    """The file parts of a multipart body whose headers Werkzeug refused: header lines are read
    as UTF-8 where they are, else as Latin-1 (what such clients send)."""
    boundary = parse_options_header(content_type)[1].get("boundary")
    if not boundary:
        return []
    uploads = []
    for part in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, _, data = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(_header(line) for line in head.split(b"\r\n") if b":" in line)
        _, options = parse_options_header(headers.get("content-disposition", ""))
        if "filename" not in options:
            continue  # a plain form field, not a file
        data = data.removesuffix(b"\r\n")
        uploads.append(Upload(options["filename"], data[:limit + 1], len(data)))
    return uploads


def _header(line: bytes) -> tuple[str, str]:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = line.decode("latin-1")
    name, _, value = text.partition(":")
    return name.strip().lower(), value.strip()
