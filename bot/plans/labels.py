"""Words people read for unit kinds, changed fields and field values (English ids, translated when shown)."""

from __future__ import annotations

from datetime import date, time

from bot.i18n import N_, Translator
from bot.models import UnitKind
from bot.plans.dates import format_day

KIND_LABELS = {
    UnitKind.province_committee: N_("province party committee"),
    UnitKind.standing_committee: N_("standing committee"),
    UnitKind.party_board: N_("party board"),
    UnitKind.advisory_board: N_("advisory body"),
    UnitKind.sub_committee: N_("congress sub-committee"),
    UnitKind.district_committee: N_("district-level party committee"),
    UnitKind.grassroots: N_("grassroots party organisation"),
    UnitKind.other: N_("other"),
}

FIELD_LABELS = {
    "name": N_("name"),
    "short_name": N_("short name"),
    "kind": N_("kind"),
    "aliases": N_("other names"),
    "parent": N_("parent unit"),
    "title": N_("title"),
    "phase": N_("phase"),
    "source_text": N_("quoted text"),
    "start_date": N_("start"),
    "due_date": N_("due"),
    "due_time": N_("due time"),
    "requires_acceptance": N_("needs acceptance"),
    "reminder_days": N_("reminder days"),
    "coordinating": N_("co-ordinating units"),
    "number": N_("document number"),
    "issued": N_("issued on"),
    "issuer": N_("issued by"),
}

_LONG_TEXT = 60


def kind_label(kind: UnitKind, t: Translator) -> str:
    return t(KIND_LABELS[kind])


def field_label(name: str, t: Translator) -> str:
    return t(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def value_text(value: object, t: Translator) -> str:
    """A field value as a person reads it: 15/05/2020, 17:00, yes/no, a kind's name, shortened long text."""
    if value is None or value == "":
        return t(N_("(empty)"))
    if isinstance(value, bool):
        return t(N_("yes")) if value else t(N_("no"))
    if isinstance(value, UnitKind):
        return kind_label(value, t)
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    text = " ".join(str(value).split())
    return f'"{text[:_LONG_TEXT]}…"' if len(text) > _LONG_TEXT else f'"{text}"'
