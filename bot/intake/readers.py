"""A plan document -> its structure (structure.py): .txt (UTF-8, UTF-16 or Windows-1258), .docx (python-docx),
text PDFs (pypdf checks them, pdfplumber reads their layout: pdf.py).

Every bound in `limits.py` is checked before the costly step it guards (the zip's declared sizes before anything
is inflated, the page count and every stream's inflated size before a PDF is laid out), so a hostile file is
refused cheaply.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

from bot.i18n import N_, Translator, translator
from bot.intake.limits import (
    CHARS_PER_PAGE,
    MAX_DOCX_PARTS,
    MAX_DOCX_XML_BYTES,
    MAX_FILE_BYTES,
    MAX_PDF_PAGES,
    MAX_PDF_STREAM_BYTES,
    MAX_TEXT_CHARS,
    MB,
)
from bot.intake.structure import Document, Paragraph, Table, from_text, join_continued, normalised
from bot.plans.problems import Message

SUPPORTED = (".txt", ".docx", ".pdf")


class ReadError(ValueError):
    """The document cannot be read: `render(t)` says why in `t`'s language, `str()` in Vietnamese (the CLI)."""

    def __init__(self, msgid: str, /, **params: object) -> None:
        self.message = Message(msgid, params)
        super().__init__(self.render(translator("vi")))

    def render(self, t: Translator) -> str:
        return self.message.render(t)


def read_document(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReadError(N_("Cannot open the file {name}: {reason}"), name=path.name,
                        reason=error.strerror or str(error)) from error
    return read_bytes(data, path.name)


def read_bytes(data: bytes, name: str) -> str:
    """The document's text (tables as '|' rows), within the bounds of limits.py."""
    return read_structure(data, name).text()


def read_structure(data: bytes, name: str) -> Document:
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise ReadError(N_("Cannot read the file {name}: only .txt, .docx or .pdf documents are accepted (a PDF with "
                           "text, not a scanned image). An old .doc file: open it in Word and save it as .docx."),
                        name=name)
    if len(data) > MAX_FILE_BYTES:
        raise ReadError(N_("The file {name} is too large ({size} MB; at most {max_size} MB)."), name=name,
                        size=_megabytes(len(data)), max_size=MAX_FILE_BYTES // MB)
    document = normalised({".txt": _text, ".docx": _docx, ".pdf": _pdf}[suffix](data, name))
    if document.size() > MAX_TEXT_CHARS:
        raise _too_much_text(name)
    if not _readable(document.text()):
        raise ReadError(N_("The file {name} has no readable text (empty, damaged, or a scan or photo?). Please send "
                           "the .docx or .txt version of the document."), name=name)
    return document


def _text(data: bytes, name: str) -> Document:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return from_text(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass  # an odd length or a lone surrogate: not text after all
    else:
        for encoding in ("utf-8-sig", "cp1258"):
            try:
                return from_text(data.decode(encoding))
            except UnicodeDecodeError:
                pass
    raise ReadError(N_("The file {name} is not UTF-8 text: please save it again with UTF-8 encoding."), name=name)


_HEADING_STYLE = re.compile(r"^(?:heading|tiêu đề)\s*(\d)$", re.IGNORECASE)


def _docx(data: bytes, name: str) -> Document:
    import docx
    from docx.table import Table as DocxTable

    package = _unpacked(data, name)
    result = Document()
    try:
        document = docx.Document(io.BytesIO(package))
        for item in document.iter_inner_content():  # paragraphs and tables in reading order
            if isinstance(item, DocxTable):
                # row.cells repeats a merged cell in every grid column and row it covers
                result.items.append(Table([[cell.text for cell in row.cells] for row in item.rows]))
                continue
            style = _HEADING_STYLE.match((item.style.name if item.style is not None else "") or "")
            text = item.text
            if item._p.pPr is not None and item._p.pPr.numPr is not None and text.strip() \
                    and not re.match(r"\s*(?:[-+•*]|\d|[IVXivx]+[.\-)]|[a-zđ][.)])", text):
                text = f"- {text}"  # Word's own list numbering is not in the text: the item is still a bullet
            result.items.append(Paragraph(text, int(style.group(1)) if style else None))
    except MemoryError:
        raise
    except Exception as error:  # not a Word package, a missing part, XML that does not parse ...
        raise _not_docx(name) from error
    return join_continued(result)


def _unpacked(data: bytes, name: str) -> bytes:
    """The .docx stored again uncompressed, with its XML parts only (other parts empty: images are not text).

    Bounded by the sizes the zip declares, checked first; then each part is inflated in small reads, which
    zipfile stops at the declared size. python-docx is never given the original: its one-call read() inflates a
    whole part before comparing it with the declared size, so a zip that understates a size would still explode.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise _not_docx(name) from error
    if len(parts) > MAX_DOCX_PARTS:
        raise ReadError(N_("The file {name} has too many parts ({count}; at most {max_count}): it is not an ordinary "
                           "plan document."), name=name, count=len(parts), max_count=MAX_DOCX_PARTS)
    xml = {part.filename: part for part in parts if part.filename.lower().endswith((".xml", ".rels"))}
    size = sum(part.file_size for part in xml.values())
    if size > MAX_DOCX_XML_BYTES:
        raise ReadError(N_("The file {name} inflates to {size} MB when unpacked (at most {max_size} MB): it is not an "
                           "ordinary plan document."), name=name, size=_megabytes(size),
                        max_size=MAX_DOCX_XML_BYTES // MB)
    if any(part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for part in xml.values()):
        raise _not_docx(name)  # Word writes no other; bzip2 and lzma inflate without a bound per read
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
            for part in {part.filename: part for part in parts}.values():  # a name twice: zipfile reads the last
                content = bytearray()
                if part.filename in xml:
                    with archive.open(part) as member:
                        while chunk := member.read(64 * 1024):
                            content += chunk
                copy.writestr(part.filename, bytes(content))
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise _not_docx(name) from error  # a damaged or encrypted part, a size or checksum that does not match
    return out.getvalue()


def _pdf(data: bytes, name: str) -> Document:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError

    from bot.intake import pdf

    limits = {key: MAX_PDF_STREAM_BYTES for key in (
        "zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
        "brotli_maximum_output_length", "array_based_stream_maximum_output_length")}
    try:
        with apply_configuration(None, **limits):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise ReadError(N_("The PDF file {name} is password-protected: please send an unlocked copy."),
                                name=name)
            if len(reader.pages) > MAX_PDF_PAGES:
                raise ReadError(N_("The PDF file {name} has {count} pages (at most {max_count}): please send only "
                                   "the plan itself."), name=name, count=len(reader.pages), max_count=MAX_PDF_PAGES)
            pdf.check_streams(reader)  # pdfminer inflates without a bound: every stream is tried here first
            texts, size = [], 0
            for page in reader.pages:
                texts.append(page.extract_text() or "")
                size += len(texts[-1])
                if size > MAX_TEXT_CHARS:  # stop at once: the rest of the pages would only cost time
                    raise _too_much_text(name)
    except (ReadError, MemoryError):
        raise
    except LimitReachedError as error:
        raise ReadError(N_("The PDF file {name} inflates too far when unpacked: it is not an ordinary plan "
                           "document."), name=name) from error
    except Exception as error:  # pypdf raises many kinds on a damaged or truncated file
        raise ReadError(N_("The file {name} is not a readable PDF (damaged, or not fully downloaded?)."),
                        name=name) from error
    try:
        return pdf.layout(data)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 -- pypdf read it, pdfminer did not: its text without the layout is a draft
        return from_text("\n".join(texts))


def _not_docx(name: str) -> ReadError:
    return ReadError(N_("The file {name} is not a valid Word .docx file (damaged, or an old .doc file?)."), name=name)


def _too_much_text(name: str) -> ReadError:
    return ReadError(N_("The file {name} is too long (over {pages} pages of text): please send only the plan "
                        "itself."), name=name, pages=MAX_TEXT_CHARS // CHARS_PER_PAGE)


def _megabytes(size: int) -> int:
    return -(-size // MB)  # rounded up: never "10 MB, at most 10 MB"


_NOT_LETTERS = re.compile(r"[\W\d_]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _readable(text: str) -> bool:
    letters = len(_NOT_LETTERS.sub("", text))
    bad = text.count("\ufffd") + len(_CONTROL.findall(text))
    return letters >= 20 and bad <= letters // 20
