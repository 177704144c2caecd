"""A plan document -> its text: .txt (UTF-8, UTF-16 or Windows-1258), .docx (python-docx), text PDFs (pypdf)."""

from __future__ import annotations

import io
from pathlib import Path

SUPPORTED = (".txt", ".docx", ".pdf")


class ReadError(ValueError):
    """The document cannot be read; `str()` says why, in Vietnamese."""


def read_document(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReadError(f"Không mở được tệp {path.name}: {error.strerror or error}") from error
    return read_bytes(data, path.name)


def read_bytes(data: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix == ".txt":
        text = _text(data, name)
    elif suffix == ".docx":
        text = _docx(data, name)
    elif suffix == ".pdf":
        text = _pdf(data, name)
    else:
        raise ReadError(f"Không đọc được tệp {name}: chỉ nhận văn bản .txt, .docx hoặc .pdf (PDF có chữ, không phải ảnh "
                        "chụp). Tệp .doc cũ: mở bằng Word rồi lưu thành .docx.")
    if not _readable(text):
        raise ReadError(f"Tệp {name} không có chữ đọc được (tệp rỗng, bị hỏng, hay là bản scan/ảnh chụp?). "
                        "Hãy gửi bản .docx hoặc .txt của văn bản.")
    return text


def _text(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError as error:
        raise ReadError(f"Tệp {name} không phải văn bản UTF-8: hãy lưu lại với mã hoá UTF-8.") from error


def _docx(data: bytes, name: str) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as error:
        raise ReadError(f"Tệp {name} không phải tệp Word .docx hợp lệ (có thể bị hỏng, hoặc là tệp .doc cũ).") from error
    except Exception as error:  # zipfile.BadZipFile, lxml errors ...
        raise ReadError(f"Tệp {name} không phải tệp Word .docx hợp lệ ({type(error).__name__}).") from error
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:  # plans sometimes put the schedule in a table
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n\n".join(lines)


def _pdf(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ReadError(f"Tệp PDF {name} có mật khẩu: hãy gửi bản không khoá.")
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise ReadError(f"Tệp {name} không phải PDF đọc được ({error}).") from error
    except Exception as error:
        raise ReadError(f"Tệp {name} không phải PDF đọc được ({type(error).__name__}).") from error


def _readable(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    bad = text.count("\ufffd") + sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return letters >= 20 and bad <= letters // 20
