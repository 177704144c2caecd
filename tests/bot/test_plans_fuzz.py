"""Malformed plan files, generated: each is accepted or answered with problems (rendered in Vietnamese), never an
exception, and nothing reaches the database. A file that passes is imported and its reminders planned, in a
transaction that is then rolled back: what the validator lets through must not crash the import (a due date in
9999 once passed the check and then overflowed the reminder ladder)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.db import make_engine, make_sessionmaker
from bot.i18n import translator
from bot.models import UnitKind
from bot.plans.dates import format_day
from bot.plans.importer import ImportRefused, import_plan
from bot.plans.limits import FIRST_YEAR, LAST_YEAR, MAX_REMINDER_DAYS
from bot.plans.schema import GroupSpec, MilestoneSpec, PhaseSpec, PlanInfo, Selector, UnitSpec
from bot.plans.validate import SECTIONS, PlanCheck, check_plan_text
from bot.schema import upgrade_to_head
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler import replan_after_import

NOW = datetime(2020, 5, 4, 2, 0, tzinfo=UTC)
VI = translator("vi")
# Hypothesis's deadline flakes on busy cores; no example database is written into the work tree.
FUZZ = settings(deadline=None, max_examples=60, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SMALL_PLAN = """\
plan: {code: KH, title: Kế hoạch thử, issued: 15/08/2019}
units:
  - code: TU
    name: Tỉnh ủy
    kind: province_committee
    children:
      - {code: HU-A, name: Huyện ủy A, kind: district_committee}
      - {code: HU-B, name: Huyện ủy B, kind: district_committee, aliases: [Huyện B]}
phases:
  - {code: P1, title: Giai đoạn 1, start: 01/10/2019, end: 31/12/2019}
groups:
  - {code: HUYEN, name: Các huyện, units: [{children: TU}]}
milestones:
  - code: M01
    title: Đại hội điểm
    phase: P1
    due: 15/12/2019
    due_time: 17:00
    units: [{group: HUYEN}]
    reminder_days: [7, 1, 0]
  - {code: M02, title: Báo cáo, due: trong tháng 02/2020, units: [TU, HU-A], requires_acceptance: true}
"""

KEYS = sorted({*SECTIONS, *(key for model in (PlanInfo, UnitSpec, PhaseSpec, GroupSpec, MilestoneSpec, Selector)
                            for key in model.keys())})
CODES = ["TU", "HU-A", "HU-B", "X-1", "G1", "P1", "M1"]
KINDS = [kind.value for kind in UnitKind]

years = st.one_of(st.integers(0, 9999), st.sampled_from([1989, 1990, 2019, 2020, 2100, 2101, 9999]))
day_texts = st.one_of(
    st.builds("{}/{}/{}".format, st.integers(0, 40), st.integers(0, 15), years),
    st.builds("{:04d}-{:02d}-{:02d}".format, years, st.integers(0, 15), st.integers(0, 40)),
    st.builds("tháng {}/{}".format, st.integers(0, 15), years),
    st.sampled_from(["31/02/2020", "29/02/2019", "29/02/2020", "31/12/9999", "02/01/0001", "01/01/1990",
                     "31/12/2100", "trong tháng 02/2020"]),
    st.text(max_size=12),
)
good_days = st.dates(date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)).map(format_day)
reminder_lists = st.lists(st.one_of(st.integers(0, MAX_REMINDER_DAYS), st.integers(0, 10**12),
                                    st.sampled_from([0, 1, 7, 365, 366, 367, 10**6, 10**30])), max_size=20)
# What an edit inserts into a valid plan: YAML's own punctuation, indentation, digits of dates, a wrong word.
EDITS = st.lists(st.sampled_from([*" :-[]{}&*#'\"\n\t|>!%@`,?0123456789/", "  - ", ": ", "  ", "TU", "9999", "~"]),
                 max_size=3).map("".join)
numbers = st.one_of(st.integers(-10, 400), st.integers(), st.sampled_from([10**6, 10**30, 366, 367]))
scalars = st.one_of(st.none(), st.booleans(), numbers, st.floats(), st.text(max_size=20), day_texts,
                    st.sampled_from(CODES + KINDS + KEYS + ["~", "null", "yes", "17:00", "25:61", "&x", "*x"]))


def structures(leaves: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))
    return st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=30)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True  # a value drawn twice is written twice: aliases have their own tests


def dumped(document: object, flow: bool | None) -> str:
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, default_flow_style=flow, sort_keys=False)


@st.composite
def plan_shaped(draw: st.DrawFn) -> str:
    """A plan with the right sections and keys: each value valid, or (at a rate drawn per file) anything at all."""
    wildness = draw(st.sampled_from([0, 1, 3, 10]))  # in twentieths; about a quarter of the files are valid

    def value(valid: st.SearchStrategy[object], odd: st.SearchStrategy[object] | None = None) -> object:
        """A valid value, else (one time in eight) an odd one of the right kind, else (at `wildness`) anything."""
        if draw(st.integers(0, 19)) < wildness:
            return draw(st.one_of(scalars, structures(scalars)))
        return draw(odd if odd is not None and draw(st.integers(0, 7)) == 0 else valid)

    codes = ["TU", "HU-A", "HU-B"]
    units = [{"code": value(st.just(code)), "name": value(st.text(min_size=1, max_size=30).filter(str.strip)),
              "kind": value(st.sampled_from(KINDS)), "parent": value(st.just(codes[0] if index else None))}
             for index, code in enumerate(codes[:draw(st.integers(1, 3))])]
    selectors = st.lists(st.one_of(st.sampled_from(codes[:len(units)]), st.just({"group": "G1"}),
                                   st.just({"subtree": "TU"})), min_size=1, max_size=3)
    milestones = [{"code": value(st.just(f"M{index}")), "title": value(st.text(min_size=1, max_size=30)
                                                                       .filter(str.strip)),
                   "due": value(good_days, day_texts), "start": value(st.none(), day_texts),
                   "due_time": value(st.sampled_from([None, "17:00", "8h30", "17 giờ 30"])),
                   "units": value(selectors), "phase": value(st.sampled_from([None, "P1"])),
                   "reminder_days": value(st.none() | st.lists(st.integers(0, MAX_REMINDER_DAYS), max_size=16),
                                          st.lists(numbers, max_size=20)),
                   "requires_acceptance": value(st.booleans())}
                  for index in range(draw(st.integers(1, 4)))]
    document = {
        "plan": {"code": value(st.just("KH")), "title": value(st.just("Thử")), "issued": value(st.none() | good_days)},
        "units": units,
        "phases": [{"code": "P1", "title": "Giai đoạn", "start": value(st.just("01/01/1990")),
                    "end": value(st.just("31/12/2100"))}],
        "groups": [{"code": "G1", "name": "Nhóm", "units": value(st.just(["TU"]))}],
        "milestones": milestones,
    }
    return dumped(document, draw(st.sampled_from([None, True, False])))


@st.composite
def dated_plans(draw: st.DrawFn) -> str:
    """A well-formed plan whose dates and reminder days are drawn from anywhere: the values that once passed the
    check and crashed the import (a year 9999, a million days ahead)."""
    def day() -> str:
        return json.dumps(draw(good_days | day_texts), ensure_ascii=False)  # a YAML double-quoted scalar

    milestones = ""
    for index in range(draw(st.integers(1, 3))):
        fields = [f"code: M{index}", f"title: Mốc {index}", "units: [TU]", f"due: {day()}"]
        if draw(st.booleans()):
            fields.append(f"start: {day()}")
        if draw(st.booleans()):
            fields.append(f"reminder_days: {draw(reminder_lists)}")
        milestones += f"  - {{{', '.join(fields)}}}\n"
    return ("plan: {code: KH, title: Thử}\nunits:\n  - {code: TU, name: Tỉnh ủy, kind: province_committee}\n"
            f"milestones:\n{milestones}")


def answered(text: str) -> PlanCheck:
    check = check_plan_text(text, filename="kh.yaml")
    assert check.plan is not None or check.errors
    lines = check.render(VI)  # every message renders, in Vietnamese
    assert all(line.startswith("kh.yaml") for line in lines)
    return check


class Importer:
    """Imports a valid plan and plans its reminders in one transaction, rolled back; checks nothing stayed."""

    def __init__(self, database_url: str) -> None:
        self.settings = Settings(_env_file=None, telegram_bot_token="12345:test-token", database_url=database_url)
        asyncio.run(self._migrate())

    async def _migrate(self) -> None:
        engine = make_engine(self.settings.database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    def __call__(self, check: PlanCheck) -> None:
        asyncio.run(self._import(check))

    async def _import(self, check: PlanCheck) -> None:
        engine = make_engine(self.settings.database_url)
        try:
            factory = make_sessionmaker(engine)
            if check.plan is not None:
                after = replan_after_import(settings=self.settings, clock=FixedClock(NOW))
                async with factory() as session:
                    try:
                        report = await import_plan(session=session, plan=check.plan, now=NOW)
                        await after(session, report)
                    except ImportRefused as refused:
                        refused.render(VI)
                    finally:
                        await session.rollback()
            async with factory() as session:
                for table in SQLModel.metadata.sorted_tables:
                    assert await session.scalar(select(func.count()).select_from(table)) == 0, table.name
        finally:
            await engine.dispose()


@pytest.fixture
def importer(database_url: str) -> Importer:
    return Importer(database_url)  # one database for all the examples of a test: each must leave it empty


@FUZZ
@given(text=st.one_of(st.text(st.characters(exclude_categories=()), max_size=200),  # lone surrogates too
                      st.binary(max_size=200).map(lambda data: data.decode("latin-1"))))
def test_any_text_is_answered(text: str) -> None:
    answered(text)


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, len(SMALL_PLAN)), st.integers(0, 3), EDITS), min_size=1, max_size=4))
def test_a_plan_with_random_edits_is_answered_or_imports(edits: list[tuple[int, int, str]], importer: Importer) -> None:
    text = SMALL_PLAN
    for position, removed, inserted in edits:
        text = text[:position] + inserted + text[position + removed:]
    importer(answered(text))


@FUZZ
@given(document=structures(scalars), flow=st.sampled_from([None, True, False]))
def test_random_yaml_structures_are_answered(document: object, flow: bool | None, importer: Importer) -> None:
    importer(answered(dumped(document, flow)))


@FUZZ
@given(text=plan_shaped())
def test_plan_shaped_files_with_random_values_are_answered_or_import(text: str, importer: Importer) -> None:
    importer(answered(text))


@FUZZ
@given(text=dated_plans())
def test_any_dates_and_reminder_days_are_answered_or_import(text: str, importer: Importer) -> None:
    importer(answered(text))
