"""Stored files (uploaded by users or by the bot), with Telegram-like ids and paths."""

from __future__ import annotations

import base64
import mimetypes
import re
import struct
from dataclasses import dataclass
from typing import Any

from sandbox.errors import bad_request

_PREFIX = {"document": "BQACAgIAAxkBAA", "photo": "AgACAgIAAxkBAA"}
_FOLDER = {"document": "documents", "photo": "photos"}
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files, as on api.telegram.org


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "document" | "photo"
    content: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str
    width: int = 0
    height: int = 0

    def document_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data

    def photo_json(self) -> list[dict[str, Any]]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.content),
                "width": self.width,
                "height": self.height,
            }
        ]

    def file_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


def image_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG image; ``None`` if it is not one."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return width, height
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return width, height
    if content.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(content):
            if content[i] != 0xFF:
                return None
            marker = content[i + 1]
            (length,) = struct.unpack(">H", content[i + 2 : i + 4])
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", content[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


class FileStore:
    """All files by file_id and by file_path; ids stay unique across resets."""

    def __init__(self) -> None:
        self._counter = 0
        self.by_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}

    def clear(self) -> None:
        self.by_id.clear()
        self.by_path.clear()

    def add(
        self,
        kind: str,
        content: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        *,
        strict_image: bool = True,
    ) -> StoredFile:
        """Store ``content``; photos must be real images unless ``strict_image`` is off."""
        if not content:
            raise bad_request("file must be non-empty")
        width = height = 0
        if kind == "photo":
            size = image_size(content)
            if size is None and strict_image:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size or (1, 1)
            file_name, mime_type = None, None
        elif mime_type in (None, "", "application/octet-stream") and file_name:
            mime_type = mimetypes.guess_type(file_name, strict=False)[0] or mime_type
        self._counter += 1
        tag = base64.urlsafe_b64encode(f"sandbox-{kind}-{self._counter:08d}".encode()).decode()
        extension = "jpg" if kind == "photo" else "bin"
        if file_name and "." in file_name:
            extension = re.sub(r"[^A-Za-z0-9]", "", file_name.rpartition(".")[2])[:8] or extension
        stored = StoredFile(
            file_id=_PREFIX[kind] + tag.rstrip("="),
            file_unique_id=f"AgAD{self._counter:06d}",
            kind=kind,
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{_FOLDER[kind]}/file_{self._counter}.{extension}",
            width=width,
            height=height,
        )
        self.by_id[stored.file_id] = stored
        self.by_path[stored.file_path] = stored
        return stored

    def reuse(self, file_id: str, kind: str) -> StoredFile:
        """A file sent again by file_id; Telegram refuses unknown ids and kind mismatches."""
        stored = self.by_id.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(
                f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
            )
        return stored

    def for_download(self, file_id: str) -> StoredFile:
        stored = self.by_id.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return stored
