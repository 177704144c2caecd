"""Hostile plan documents: whatever the bytes, the reader answers with text or a clear ReadError, nothing else;
and a .docx bomb is refused inside a process whose address space is limited, where parsing it would die."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from bot.i18n import translator
from bot.intake.limits import MAX_TEXT_CHARS
from bot.intake.readers import ReadError, read_bytes
from bot.settings import PROJECT_ROOT
from tests.bot.intake_documents import LINES, docx_bomb, make_docx, make_pdf, zip_of

FUZZ = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = (".txt", ".docx", ".pdf", ".xlsx", ".doc", "")
DOCX = make_docx(LINES * 3)
PDF = make_pdf(LINES)
DOCX_PARTS = {info.filename: zipfile.ZipFile(io.BytesIO(DOCX)).read(info) for info in
              zipfile.ZipFile(io.BytesIO(DOCX)).infolist()}


def read_or_refuse(data: bytes, name: str) -> None:
    try:
        text = read_bytes(data, name)
    except ReadError as error:
        assert str(error) == error.render(translator("vi")) and name in str(error)
        return
    assert isinstance(text, str) and len(text) <= MAX_TEXT_CHARS


@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from(SUFFIXES))
def test_any_bytes_under_any_name(data: bytes, suffix: str) -> None:
    read_or_refuse(data, f"tep{suffix}")


@FUZZ
@given(document=st.sampled_from([(DOCX, ".docx"), (PDF, ".pdf")]), cut=st.integers(min_value=0),
       flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=6))
def test_truncated_or_damaged_documents(document: tuple[bytes, str], cut: int, flips: list[tuple[int, int]]) -> None:
    original, suffix = document
    data = bytearray(original[: cut % (len(original) + 1)])
    for position, byte in flips:
        if data:
            data[position % len(data)] = byte
    read_or_refuse(bytes(data), f"hong{suffix}")


@FUZZ
@given(part=st.sampled_from(sorted(DOCX_PARTS)), cut=st.integers(min_value=0), garbage=st.binary(max_size=64))
def test_a_docx_with_one_part_cut_short_or_replaced(part: str, cut: int, garbage: bytes) -> None:
    content = DOCX_PARTS[part]
    read_or_refuse(zip_of({**DOCX_PARTS, part: content[: cut % (len(content) + 1)] + garbage}), "hong.docx")


# A child process whose address space is limited once its modules are loaded reads each file (a .docx), then
# the second one again as before the bounds (python-docx given the zip as it came), and prints its answers.
CHILD = """
import json, resource, sys
from pathlib import Path
from bot.intake import readers

def attempt(path):
    try:
        return "read: " + readers.read_bytes(path.read_bytes(), path.name)[:20]
    except readers.ReadError as error:
        return "refused: " + str(error)
    except MemoryError:
        return "MemoryError"

paths = [Path(arg) for arg in sys.argv[1:]]
attempt(paths[0])  # python-docx and lxml load what they need, before the limit
status = Path("/proc/self/status").read_text()
limit = int(status.split("VmSize:")[1].split()[0]) * 1024 + 160 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
answers = [attempt(path) for path in paths]
readers._unpacked = lambda data, name: data
answers.append(attempt(paths[1]))
print(json.dumps(answers, ensure_ascii=False))
"""


def read_in_limited_process(*paths: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CHILD, *map(str, paths)], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def understated(archive: bytes, member: str, size: int) -> bytes:
    """The zip with `member`'s uncompressed size in the central directory (what zipfile trusts) set to `size`."""
    entry = archive.index(b"PK\x01\x02")
    while archive[entry + 46: entry + 46 + len(member)] != member.encode():
        entry = archive.index(b"PK\x01\x02", entry + 4)
    return archive[: entry + 24] + size.to_bytes(4, "little") + archive[entry + 28:]


def test_a_docx_bomb_is_refused_within_a_memory_limit_that_parsing_it_would_break(tmp_path: Path) -> None:
    normal, bomb, lying = tmp_path / "ke-hoach.docx", tmp_path / "bom.docx", tmp_path / "noi-doi.docx"
    normal.write_bytes(make_docx())
    bomb.write_bytes(docx_bomb(200))  # 200 MB of XML in a 1.3 MB file
    lying.write_bytes(understated(bomb.read_bytes(), "word/document.xml", 1000))
    read, refused, lie_refused, unbounded = read_in_limited_process(normal, bomb, lying)
    assert read == "read: 2.4- Từ ngày 01/4/20"
    assert refused.startswith("refused: Tệp bom.docx giải nén ra tới 201 MB (tối đa 8 MB)")
    # Declaring 1 KB does not get the 200 MB past: only 1 KB is inflated, and its checksum is wrong.
    assert lie_refused.startswith("refused: Tệp noi-doi.docx không phải tệp Word .docx hợp lệ")
    assert unbounded == "MemoryError"  # as before: the same bomb breaks the limit
