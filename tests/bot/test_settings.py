"""Settings: `.env.example` documents every one, and its values load as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, Settings

EXAMPLE = PROJECT_ROOT / ".env.example"


def test_env_example_documents_every_setting() -> None:
    names = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(encoding="utf-8"), flags=re.M))
    assert names == {name.upper() for name in Settings.model_fields}


def test_env_example_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.reminder_days == [7, 3, 1, 0]
    assert settings.token() is None  # an empty token means "none": `make run` then says how to set one
    assert settings.tz.key == "Asia/Ho_Chi_Minh"


def test_lists_come_from_comma_separated_values() -> None:
    settings = Settings(_env_file=None, admin_ids="12, 34", reminder_days="1,7,3")  # type: ignore[arg-type]
    assert settings.admin_ids == [12, 34]
    assert settings.reminder_days == [7, 3, 1]
