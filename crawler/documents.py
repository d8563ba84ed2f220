"""What kind of file a response is: HTML page, or a document (PDF, DOC/DOCX, XLS/XLSX, RTF, ZIP, ...).

Government forms and budget files come as documents, often with a wrong or generic Content-Type
(`application/octet-stream`, or `text/html` on an old server). The kind is read from the first bytes where
they are telling (a PDF starts with %PDF, an RTF with {\\rtf, old Office files with the OLE2 signature, new ones
are ZIP archives), then from the address's extension, then from the declared type. It is stored with the
capture, so the forms and transparency checks can count documents by kind without re-reading them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

HTML_TYPES = ("text/html", "application/xhtml+xml")
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXT = re.compile(r"\.([a-z0-9]{2,5})$", re.IGNORECASE)
TYPE_KINDS = {
    "application/pdf": "pdf", "application/msword": "doc", "application/rtf": "rtf", "text/rtf": "rtf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt", "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/zip": "zip", "application/x-zip-compressed": "zip", "application/x-rar-compressed": "rar",
    "application/vnd.rar": "rar", "application/x-7z-compressed": "7z", "text/csv": "csv",
}
DOCUMENT_KINDS = {"pdf", "doc", "docx", "xls", "xlsx", "rtf", "ppt", "pptx", "odt", "ods", "zip", "rar", "7z", "csv"}


def media_type(content_type: str) -> str:
    """The media type of a Content-Type header, lower case, without parameters."""
    return (content_type or "").split(";")[0].strip().lower()


def is_html(content_type: str, body_start: bytes = b"") -> bool:
    """Whether a response is an HTML page (by its type, or by its first bytes when it has none)."""
    mt = media_type(content_type)
    if mt in HTML_TYPES:
        return not body_start or document_kind("", content_type, body_start) in ("", "html")
    if not mt or mt in ("text/plain", "application/octet-stream"):
        start = body_start[:512].lstrip().lower()
        return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))
    return False


def document_kind(url: str, content_type: str, body_start: bytes) -> str:
    """The kind of file ('pdf', 'docx', 'xls', ..., 'html', or '' if unknown)."""
    head = body_start[:8]
    ext_match = _EXT.search(urlsplit(url).path) if url else None
    ext = ext_match.group(1).lower() if ext_match else ""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(OLE2):  # Word 97-2003, Excel 97-2003, PowerPoint: the extension tells which
        return ext if ext in ("doc", "xls", "ppt") else TYPE_KINDS.get(media_type(content_type), "doc")
    if head.startswith(b"PK\x03\x04"):  # ZIP, and every Office Open XML or OpenDocument file
        return ext if ext in ("docx", "xlsx", "pptx", "odt", "ods") else TYPE_KINDS.get(media_type(content_type), "zip")
    if head.startswith((b"Rar!", b"7z\xbc\xaf")):
        return "rar" if head.startswith(b"Rar!") else "7z"
    mt = media_type(content_type)
    if mt in TYPE_KINDS:
        return TYPE_KINDS[mt]
    if ext in DOCUMENT_KINDS:
        return ext
    if mt in HTML_TYPES:
        return "html"
    return ""
