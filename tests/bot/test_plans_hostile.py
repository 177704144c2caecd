"""Plan files built to break the importer: each is refused by `nhacviec import` with one clear Vietnamese line and
exit 1 (never a traceback, dry run or not), and nothing is written. Plans at the very bounds import."""

from __future__ import annotations

import asyncio
import re
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.db import make_engine, make_sessionmaker
from bot.i18n import translator
from bot.models import Reminder
from bot.plans.limits import MAX_PLAN_BYTES, MAX_UNIT_DEPTH
from bot.plans.tree import MAX_UNIT_DEPTH as TREE_MAX_UNIT_DEPTH
from bot.plans.validate import check_plan_text
from bot.settings import PROJECT_ROOT

HEAD = "plan: {code: KH, title: Thử}\nunits:\n  - {code: TU, name: Tỉnh ủy, kind: province_committee}\nmilestones:\n"
SEVENTEEN_DAYS = ", ".join(str(day) for day in range(350, 367))  # 67 characters: more than the column holds

# 342 bytes: nine levels of nine aliases, 9**9 strings once expanded (the old loader grew by gigabytes).
LAUGHS = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
    f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True))


def unit_chain(levels: int, *, nested: bool) -> str:
    """A plan whose units form one chain U0 > U1 > … , nested in `children:` or flat with `parent:`."""
    if nested:
        units, indent = "", "  "
        for level in range(levels):
            units += f"{indent}- code: U{level}\n{indent}  name: Đơn vị {level}\n{indent}  kind: grassroots\n"
            if level < levels - 1:
                units += f"{indent}  children:\n"
                indent += "    "
    else:
        units = "".join(f"  - {{code: U{level}, name: Đơn vị {level}, kind: grassroots"
                        f"{f', parent: U{level - 1}' if level else ''}}}\n" for level in range(levels))
    return (f"plan: {{code: KH, title: Thử}}\nunits:\n{units}milestones:\n"
            f"  - {{code: M01, title: Một, due: 01/05/2020, units: [U{levels - 1}]}}\n")


def chain_line(levels: int, *, nested: bool, code: str) -> int:
    return next(number for number, line in enumerate(unit_chain(levels, nested=nested).splitlines(), 1)
                if re.search(rf"code: {code}\b", line))


def milestone(fields: str, *, units: str = "[TU]") -> str:
    """A plan of one unit and one milestone with these fields (the milestone is on line 5)."""
    return HEAD + f"  - {{code: M01, title: Một, units: {units}, {fields}}}\n"


OUT_OF_YEARS = "nằm ngoài khoảng năm 1990–2100 mà kế hoạch được dùng"
NO_ALIASES = 'tệp kế hoạch không được dùng neo và bí danh YAML ("&tên", "*tên"): hãy viết đầy đủ từng giá trị'
TOO_NESTED = "danh sách và bảng lồng nhau quá 136 cấp"
LEVEL_65 = 'đơn vị "U64" ở cấp 65 của cây đơn vị: tối đa 64 cấp'

# name: (the file's text, the Vietnamese lines expected after the file's name)
HOSTILE: dict[str, tuple[Callable[[], str], list[str]]] = {
    "due-year-9999": (lambda: milestone("due: 31/12/9999"), [f':5: ngày "31/12/9999" {OUT_OF_YEARS}']),
    "due-year-1": (lambda: milestone("due: 02/01/0001"), [f':5: ngày "02/01/0001" {OUT_OF_YEARS}']),
    "start-year-1": (lambda: milestone("start: 02/01/0001, due: 01/05/2020"),
                     [f':5: ngày "02/01/0001" {OUT_OF_YEARS}']),
    "reminder-a-million-days-ahead": (lambda: milestone("due: 01/05/2020, reminder_days: [1000000]"),
                                      [":5: nhắc trước hạn 1000000 ngày là quá sớm: tối đa 366 ngày"]),
    "seventeen-reminder-days": (lambda: milestone(f"due: 01/05/2020, reminder_days: [{SEVENTEEN_DAYS}]"),
                                [':5: trường "reminder_days" có hơn 16 ngày nhắc khác nhau']),
    "alias": (lambda: milestone("due: 01/05/2020", units="&all [TU]")
              + "  - {code: M02, title: Hai, due: 01/06/2020, units: *all}\n", [f":5: {NO_ALIASES}"]),
    # The billion laughs run in a process of their own, under a memory limit (below).
    "brackets-5000-deep": (lambda: "plan: " + "[" * 5000 + "]" * 5000 + "\n", [f":1: {TOO_NESTED}"]),
    "lists-1000-deep": (lambda: "plan:\n" + "".join(f"{' ' * level}- \n" for level in range(1000)),
                        [f":137: {TOO_NESTED}"]),
    "units-65-levels-nested": (lambda: unit_chain(65, nested=True),
                               [f":{chain_line(65, nested=True, code='U64')}: {LEVEL_65}"]),
    # 300 levels overflowed unit.path (1024 characters) on PostgreSQL with a raw database error.
    "units-300-levels-flat": (lambda: unit_chain(300, nested=False),
                              [f":{chain_line(300, nested=False, code='U64')}: {LEVEL_65}"]),
    # Word's manual line break (U+000B) pasted into a title; YAML refused it in English.
    "control-character": (lambda: milestone("due: 01/05/2020").replace("Một", "Báo cáo\x0bsơ kết"),
                          [":5: ký tự U+000B không được dùng trong tệp kế hoạch: hãy xóa ký tự này"]),
    # PostgreSQL refused these with a raw database error.
    "nul-character": (lambda: milestone("due: 01/05/2020").replace("Một", '"Báo\\0cáo"'),
                      [":5: ký tự U+0000 không được dùng trong tệp kế hoạch: hãy xóa ký tự này"]),
    "plan-number-too-long": (lambda: HEAD.replace("Thử}", f"Thử, number: {'1' * 121}-KH/TU}}")
                             + "  - {code: M01, title: Một, due: 01/05/2020, units: [TU]}\n",
                             [':1: trường "number" quá dài (tối đa 120 ký tự)']),
    "larger-than-16-mb": (lambda: milestone("due: 01/05/2020") + "#" * MAX_PLAN_BYTES + "\n",
                          [": tệp lớn hơn 16 MB, quá lớn đối với một tệp kế hoạch"]),
}


@pytest.fixture
def database(database_url: str) -> list[str]:
    return ["--database-url", database_url]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_plan_is_refused_clearly_and_writes_nothing(name: str, database: list[str], tmp_path: Path) -> None:
    make_text, expected = HOSTILE[name]
    plan_file = tmp_path / "kh.yaml"
    plan_file.write_text(make_text(), encoding="utf-8")
    runner = CliRunner()
    for dry_run in (["--dry-run"], []):
        result = runner.invoke(app, [*database, "import", str(plan_file), *dry_run])
        assert not isinstance(result.exception, Exception), result.exception  # a refusal, not a crash
        assert (result.exit_code, result.stderr.splitlines(), result.stdout) == (
            1, [f"{plan_file}{line}" for line in expected], "")
    assert runner.invoke(app, [*database, "units"]).stdout.startswith("Chưa có đơn vị nào")


def test_the_billion_laughs_are_refused_within_a_memory_limit(database: list[str], tmp_path: Path) -> None:
    """The process runs under a 512 MB address-space limit: expanding the aliases would need gigabytes."""
    plan_file = tmp_path / "laughs.yaml"
    plan_file.write_text(LAUGHS, encoding="utf-8")
    assert len(LAUGHS.encode()) == 342

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))

    result = subprocess.run([sys.executable, "-m", "bot", *database, "import", str(plan_file)], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120, check=False, preexec_fn=limit_memory)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"{plan_file}:1: {NO_ALIASES}\n"


@pytest.mark.parametrize("nested", [True, False], ids=["nested", "flat"])
def test_a_chain_of_64_levels_imports(nested: bool, database: list[str], tmp_path: Path) -> None:
    assert MAX_UNIT_DEPTH == TREE_MAX_UNIT_DEPTH == 64  # one limit, importable where the tree is built
    plan_file = tmp_path / "kh.yaml"
    plan_file.write_text(unit_chain(64, nested=nested), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, [*database, "import", str(plan_file)])
    assert result.exit_code == 0, result.output
    tree = runner.invoke(app, [*database, "units"]).stdout.splitlines()
    assert tree[-1] == "64 đơn vị."
    assert tree[-2].startswith(" " * 2 * 63 + "U63 ")  # the deepest unit, 63 levels under U0


def test_plans_at_the_bounds_import_with_their_reminders(database: list[str], tmp_path: Path) -> None:
    """The earliest and latest days, with the earliest reminder: the ladder (a week after, a year before) holds."""
    plan_file = tmp_path / "kh.yaml"
    plan_file.write_text(HEAD + (
        "  - {code: M01, title: Một, start: 01/01/1990, due: 31/12/2100, units: [TU], reminder_days: [366, 0]}\n"
        "  - {code: M02, title: Hai, due: 01/01/1990, units: [TU], reminder_days: [366]}\n"
        "  - {code: M03, title: Ba, due: tháng 12/2100, units: [TU]}\n"), encoding="utf-8")
    result = CliRunner().invoke(app, [*database, "import", str(plan_file)])
    assert result.exit_code == 0, result.output
    steps = asyncio.run(reminder_steps(database[1]))
    assert {"d366:2100-12-31", "d0:2100-12-31"} <= steps  # a year before the last day, and on it
    assert any(step.startswith("late:") for step in steps)  # M02, long overdue: its chain of late reminders


async def reminder_steps(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return set((await session.scalars(select(Reminder.step))).all())
    finally:
        await engine.dispose()


def test_text_that_is_not_unicode_is_refused() -> None:
    # A lone surrogate (text decoded with errors="surrogateescape") crashed libyaml with UnicodeEncodeError.
    check = check_plan_text(milestone("due: 01/05/2020").replace("Một", '"\udcc3"'), filename="kh.yaml")
    assert check.render(translator("vi")) == ["kh.yaml: tệp không phải văn bản UTF-8"]
