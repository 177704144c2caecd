"""`nhacviec invite --all`: one invite per unit of the tree (or of a subtree, or of one kind), written as the
sheet an office sends out — Mã | Tên đơn vị | Vai trò | Đường dẫn mời | Hạn dùng. No Telegram here."""

from __future__ import annotations

from collections import defaultdict
from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator, translator
from bot.invites import deep_link
from bot.models import Invite, Unit, UnitKind
from bot.plans.labels import KIND_LABELS
from bot.progress import root_units
from bot.roles import role_label
from bot.units import list_subtree

HEADERS = (N_("Code"), N_("Unit name"), N_("Role"), N_("Invite link"), N_("Valid until"))
WIDTHS = (18, 48, 12, 60, 18)


def parse_kind(word: str) -> UnitKind | None:
    """A unit kind from its key (district_committee) or its label in either language, case ignored."""
    wanted = " ".join(word.split()).lower()
    for kind in UnitKind:
        names = {kind.value, KIND_LABELS[kind].lower(), translator("vi")(KIND_LABELS[kind]).lower()}
        if wanted in names:
            return kind
    return None


def _depth_first(units: list[Unit]) -> list[Unit]:
    """The tree's reading order (a unit, then what hangs under it), as `nhacviec units` prints it."""
    ids = {unit.id for unit in units}
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for unit in sorted(units, key=lambda u: (u.sort_order, u.code)):
        children[unit.parent_id if unit.parent_id in ids else None].append(unit)
    ordered: list[Unit] = []
    pending = list(reversed(children[None]))
    while pending:
        unit = pending.pop()
        ordered.append(unit)
        pending.extend(reversed(children.get(unit.id, [])))
    return ordered


async def units_to_invite(*, session: AsyncSession, under: Unit | None = None,
                          kind: UnitKind | None = None) -> list[Unit]:
    """Active units of the subtree under `under` (of the whole tree without it), of `kind` if given."""
    roots = [under] if under is not None else await root_units(session=session)
    units = _depth_first([unit for root in roots for unit in await list_subtree(session=session, root=root)])
    return [unit for unit in units if kind is None or unit.kind == kind]


def invite_workbook(rows: list[tuple[Unit, Invite]], *, bot_username: str, t: Translator, tz: ZoneInfo) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = t(N_("Invites"))
    sheet.append([t(header) for header in HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for unit, invite in rows:
        role = role_label(invite.role, t)
        link = deep_link(bot_username, invite.code)
        # Excel has no time zones: the local time the office reads.
        sheet.append([unit.code, unit.name, role[:1].upper() + role[1:], link,
                      invite.expires_at.astimezone(tz).replace(tzinfo=None)])
        sheet.cell(row=sheet.max_row, column=4).hyperlink = link
        sheet.cell(row=sheet.max_row, column=5).number_format = "dd/mm/yyyy hh:mm"
    for column, width in zip("ABCDE", WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
