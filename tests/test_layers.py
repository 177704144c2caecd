"""The layering is a checked contract (pyproject.toml, `lint-imports`): bot's domain imports neither the handlers
nor the engine, only bot's entry points (the builder bot/app.py, the command line bot/cli*.py, bot/__main__.py)
wire them together, no handler imports an entry point, and the engine never imports the handlers.

The contracts protect the handlers, the engine and the entry points, so a new domain module is covered without
being listed; what must be listed is the entry points, and this keeps that list equal to the files."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _importlinter() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]  # type: ignore[no-any-return]


def _contract(protects: str) -> dict[str, Any]:
    (contract,) = [c for c in _importlinter()["contracts"]
                   if c["type"] == "protected" and protects in c["protected_modules"]]
    return contract


def _entry_point_files() -> set[str]:
    return {f"bot.{path.stem}" for path in (ROOT / "bot").glob("*.py")
            if path.stem in ("app", "__main__") or path.stem.startswith("cli")}


def test_the_entry_points_named_in_the_contracts_are_the_entry_point_files() -> None:
    entry_points = _entry_point_files()
    assert {"bot.app", "bot.cli", "bot.__main__"} <= entry_points
    # A new bot/cli_*.py must be named, or it could not wire the engine in; a domain module named here would
    # escape the rule, so nothing else is.
    assert set(_contract("bot.app")["protected_modules"]) == entry_points
    assert set(_contract("bot.app")["allowed_importers"]) == entry_points
    engine = _contract("scheduler")
    assert set(engine["protected_modules"]) == {"handlers", "scheduler"}
    assert set(engine["allowed_importers"]) == entry_points | {"handlers", "scheduler"}
    (one_way,) = [c for c in _importlinter()["contracts"] if c["type"] == "forbidden"]
    assert (one_way["source_modules"], one_way["forbidden_modules"]) == (["scheduler"], ["handlers"])


def test_nothing_is_exempt() -> None:
    linter = _importlinter()
    assert set(linter["root_packages"]) == {"bot", "handlers", "scheduler"}
    assert not linter.get("exclude_type_checking_imports", False)  # imports under TYPE_CHECKING count
    for contract in linter["contracts"]:
        assert not {"ignore_imports", "allow_indirect_imports", "as_packages"} & contract.keys(), contract["name"]


def test_the_code_keeps_the_contracts() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
