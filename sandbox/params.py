"""Bot API request parameters from a query string, JSON, urlencoded or multipart body.

Form fields are strings (PTB JSON-encodes objects, numbers and booleans into them),
JSON bodies are typed; the typed getters here accept both, as Telegram does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from sandbox.errors import bad_request


@dataclass
class Upload:
    """A file part of a multipart request."""

    file_name: str | None
    content_type: str | None
    content: bytes


class Params:
    """Typed access to one call's parameters."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.uploads

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, (dict, list)):
            raise bad_request(f"field \"{name}\" must be of type String")
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            try:
                return int(float(value))
            except (TypeError, ValueError):
                raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str, default: float | None = None) -> float | None:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes", "on")
        return bool(value)

    def get_json(self, name: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            what = "reply keyboard markup" if name == "reply_markup" else name
            raise bad_request(f"can't parse {what} JSON object") from None

    def chat_id(self) -> int | str:
        value = self.values.get("chat_id")
        if value in (None, ""):
            raise bad_request("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def file(self, name: str) -> Upload | str | None:
        """An uploaded part (by name or ``attach://``), or a file_id / URL string."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.get_str(name)
        if value and value.startswith("attach://"):
            upload = self.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {value} not found")
            return upload
        return value

    def loggable(self) -> dict[str, Any]:
        """Parameters for the call log: JSON strings decoded, files summarised."""
        logged: dict[str, Any] = {}
        for key, value in self.values.items():
            if isinstance(value, str) and value[:1] in "{[":
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    pass
            logged[key] = value
        for key, upload in self.uploads.items():
            logged[key] = {"file_name": upload.file_name, "size": len(upload.content)}
        return logged


async def read_params(request: web.Request) -> Params:
    """Merge query-string and body parameters of a Bot API request."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON encoded request body")
            values.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, FileField):
                    uploads[key] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    values[key] = value if isinstance(value, str) else bytes(value).decode()
    return Params(values, uploads)
