"""End to end, members managed in chat: /toi, /thanhvien (list, pages, reachability), 🗑 removal with its
confirmation, ✖️ revoking an invite that /start then refuses, and forged or foreign buttons that change nothing —
through the real bot process."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.members import get_or_create_member
from bot.models import Event, Invite, Member, Membership, Role, Unit
from bot.units import get_unit_by_code
from sandbox import TgUser
from tests.e2e.conftest import ADMIN, NOW, OTHER, SECRETARY, STRANGER, SUPERVISOR, BotRun
from tests.e2e.test_bot_flow import buttons, say

pytestmark = pytest.mark.asyncio(loop_scope="module")

REGISTERED = {"secretary": SECRETARY, "supervisor": SUPERVISOR, "other": OTHER}
NOT_FOUND = "Không tìm thấy, hoặc không thuộc đơn vị của bạn."
DISTRICT = TgUser(1004, "Tâm", username="tam_tg")  # supervisor of HU-TUANGIAO: outside HU-DIENBIEN


def forge(run: BotRun, message: dict, data: str) -> None:
    """What a modified client can do: press any callback data on a real message of the bot."""
    stored = run.emu.state.message(message["chat_id"], message["message_id"])
    assert stored is not None
    stored.data["reply_markup"] = {"inline_keyboard": [[{"text": "🗑", "callback_data": data}]]}


async def press_and_answer(run: BotRun, user: TgUser, message: dict, *, text: str | None = None,
                           data: str | None = None) -> str:
    pressed = await run.client.press(user, message, text=text, data=data)
    return (await run.client.wait_for_callback_answer(pressed)).get("text") or ""


async def unit_id(run: BotRun, code: str) -> int:
    async with run.session_factory() as session:
        unit = await get_unit_by_code(session=session, code=code)
        assert unit is not None and unit.id is not None
        return unit.id


async def membership_id(run: BotRun, user: TgUser, code: str) -> int | None:
    async with run.session_factory() as session:
        statement = (select(Membership.id).join(Member, Member.id == Membership.member_id)
                     .join(Unit, Unit.id == Membership.unit_id)
                     .where(Member.telegram_user_id == user.id, Unit.code == code))
        return (await session.execute(statement)).scalars().first()


async def add_member(run: BotRun, user: TgUser, code: str, role: Role) -> None:
    """Registered straight in the database (as a redeemed invite leaves it); the bot reads rights per update."""
    async with run.session_factory() as session:
        unit = await get_unit_by_code(session=session, code=code)
        member = await get_or_create_member(session=session, telegram_user_id=user.id, chat_id=user.id,
                                            full_name=user.first_name, username=user.username, now=NOW)
        session.add(Membership(member_id=member.id, unit_id=unit.id, role=role, created_at=NOW))  # type: ignore[arg-type]
        await session.commit()


async def events(run: BotRun, kind: str) -> list[Event]:
    async with run.session_factory() as session:
        return list((await session.execute(select(Event).where(Event.kind == kind).order_by(Event.id))).scalars())


async def test_menu_and_help_name_the_new_commands(bot_run: BotRun) -> None:
    menu = {c["command"]: c["description"] for c in await bot_run.client.command_list()}
    assert menu["thanhvien"] == "Thành viên của đơn vị (quản trị, giám sát)"
    assert menu["toi"] == "ID Telegram, đơn vị và vai trò của bạn"
    supervisor_help = (await say(bot_run, SUPERVISOR, "help"))["text"]
    assert "/thanhvien HU-DIENBIEN" in supervisor_help and "/toi" in supervisor_help
    secretary_help = (await say(bot_run, SECRETARY, "help"))["text"]
    assert "/toi" in secretary_help and "/thanhvien" not in secretary_help


async def test_toi_tells_anyone_their_id_units_and_roles(bot_run: BotRun) -> None:
    mine = (await say(bot_run, SECRETARY, "toi"))["text"]
    assert mine.splitlines()[0] == "🪪 ID Telegram của bạn: 1001"
    assert "• Huyện ủy Điện Biên (HU-DIENBIEN) — thư ký" in mine
    assert "ADMIN_IDS" in mine  # how to become an admin
    # One person, two units: /moi takes the role as people type it, accents and all.
    made = await say(bot_run, ADMIN, "moi", "HU-MUONGCHA", "Giám_sát")
    code = made["text"].rsplit("start=", 1)[1].strip()
    assert "giám sát của Huyện ủy Mường Chà" in (await say(bot_run, OTHER, "start", code))["text"]
    both = (await say(bot_run, OTHER, "toi"))["text"]
    assert "(HU-TUANGIAO) — thư ký" in both and "(HU-MUONGCHA) — giám sát" in both
    admin = (await say(bot_run, ADMIN, "toi"))["text"]
    assert "900001" in admin and "Bạn là quản trị viên của bot." in admin
    assert "Bạn chưa đăng ký đơn vị nào." in admin and "ADMIN_IDS" not in admin
    stranger = (await say(bot_run, STRANGER, "toi"))["text"]
    assert "1009" in stranger and "Bạn chưa đăng ký đơn vị nào." in stranger


async def test_who_may_list_a_units_members(bot_run: BotRun) -> None:
    listing = await say(bot_run, SUPERVISOR, "thanhvien", "HU-DIENBIEN")
    lines = listing["text"].splitlines()
    assert lines[0] == "👥 Huyện ủy Điện Biên (HU-DIENBIEN) · 1 người đăng ký"
    assert lines[1] == "1. 👤 Lan @lan_hu — thư ký · từ 12/05/2020"
    assert buttons(listing) == [("🗑 1. Lan", f"mrm:{await membership_id(bot_run, SECRETARY, 'HU-DIENBIEN')}:0")]
    # An admin without a code: the root unit, and how to ask for another.
    root = (await say(bot_run, ADMIN, "thanhvien"))["text"].splitlines()
    assert root[:3] == ["👥 Tỉnh ủy Điện Biên (TU) · 1 người đăng ký", "Đơn vị khác: /thanhvien MÃ",
                        "1. 👤 Hùng @hung_tu — giám sát · từ 12/05/2020"]
    assert (await say(bot_run, SECRETARY, "thanhvien", "HU-DIENBIEN"))["text"] == \
        "Chỉ quản trị viên và người giám sát mới xem được danh sách thành viên."
    assert "chưa đăng ký" in (await say(bot_run, STRANGER, "thanhvien"))["text"]
    # Someone the bot cannot reach (they blocked it) is marked.
    async with bot_run.session_factory() as session:
        member = (await session.execute(select(Member).where(Member.telegram_user_id == OTHER.id))).scalars().one()
        member.active = False
        await session.commit()
    blocked = (await say(bot_run, SUPERVISOR, "thanhvien", "HU-TUANGIAO"))["text"]
    assert "Minh @minh_tg — thư ký · từ 12/05/2020 · ⚠️ bot không gửi tin được" in blocked
    async with bot_run.session_factory() as session:
        member = (await session.execute(select(Member).where(Member.telegram_user_id == OTHER.id))).scalars().one()
        member.active = True
        await session.commit()


async def test_a_long_list_pages_twenty_lines_at_most(bot_run: BotRun) -> None:
    for n in range(25):
        await add_member(bot_run, TgUser(600_000 + n, f"Thư ký {n + 1:02d}"), "HU-NAMPO", Role.secretary)
    first = await say(bot_run, SUPERVISOR, "thanhvien", "HU-NAMPO")
    assert len(first["text"].splitlines()) <= 20
    assert first["text"].splitlines()[0] == "👥 Huyện ủy Nậm Pồ (HU-NAMPO) · 25 người đăng ký"
    labels = [text for text, _data in buttons(first)]
    assert labels[-2:] == ["1/2", "▶"] and sum(label.startswith("🗑") for label in labels) == 18
    await bot_run.client.press(SUPERVISOR, first, text="▶")
    second = await bot_run.client.wait_for_edit(SUPERVISOR.id, first["message_id"])
    assert second["text"].splitlines()[1].startswith("19. 👤 Thư ký 19")
    assert second["text"].splitlines()[-1].startswith("25. 👤 Thư ký 25")
    labels = [text for text, _data in buttons(second)]
    assert labels[-2:] == ["◀", "2/2"] and labels[0] == "🗑 19. Thư ký 19"


async def test_remove_a_member_after_a_confirmation(bot_run: BotRun) -> None:
    lan = await membership_id(bot_run, SECRETARY, "HU-DIENBIEN")
    dien_bien = await unit_id(bot_run, "HU-DIENBIEN")
    listing = await say(bot_run, SUPERVISOR, "thanhvien", "HU-DIENBIEN")
    await bot_run.client.press(SUPERVISOR, listing, text="🗑 1. Lan")
    asked = await bot_run.client.wait_for_edit(SUPERVISOR.id, listing["message_id"])
    assert asked["text"] == ("🗑 Xóa Lan (thư ký) khỏi Huyện ủy Điện Biên?\n"
                             "Lịch sử vẫn được giữ; người này sẽ không nhận tin của đơn vị này nữa.")
    assert buttons(asked) == [("✔️ Xóa", f"mrmy:{lan}:0"), ("✖️ Thôi", f"mls:{dien_bien}:0")]
    # ✖️ Thôi: back to the list, nothing changed.
    await bot_run.client.press(SUPERVISOR, asked, text="✖️ Thôi")
    back = await bot_run.client.wait_for_edit(SUPERVISOR.id, listing["message_id"], edits=2)
    assert back["text"] == listing["text"] and await membership_id(bot_run, SECRETARY, "HU-DIENBIEN") == lan

    await bot_run.client.press(SUPERVISOR, back, text="🗑 1. Lan")
    asked = await bot_run.client.wait_for_edit(SUPERVISOR.id, listing["message_id"], edits=3)
    answer = await press_and_answer(bot_run, SUPERVISOR, asked, text="✔️ Xóa")
    assert answer == "Đã xóa Lan (thư ký) khỏi Huyện ủy Điện Biên."
    after = await bot_run.client.wait_for_edit(SUPERVISOR.id, listing["message_id"], edits=4)
    assert after["text"].splitlines() == ["👥 Huyện ủy Điện Biên (HU-DIENBIEN) · 0 người đăng ký",
                                          "Đơn vị này chưa có ai đăng ký."]
    assert await membership_id(bot_run, SECRETARY, "HU-DIENBIEN") is None
    [removed] = await events(bot_run, "member_removed")
    async with bot_run.session_factory() as session:
        boss = (await session.execute(select(Member).where(Member.telegram_user_id == SUPERVISOR.id))).scalars().one()
        joined = (await session.execute(
            select(Event).where(Event.kind == "join", Event.unit_id == dien_bien))).scalars().all()
    assert (removed.at, removed.unit_id, removed.actor_member_id, removed.actor_label) == (NOW, dien_bien, boss.id,
                                                                                          "Hùng (1002)")
    assert json.loads(removed.details)["name"] == "Lan" and joined  # the history stays
    assert "chưa đăng ký" in (await say(bot_run, SECRETARY, "tiendo"))["text"]
    # The same press again (a stale message, a second manager): nothing left to remove, nothing logged.
    forge(bot_run, after, f"mrmy:{lan}:0")
    assert await press_and_answer(bot_run, SUPERVISOR, after, data=f"mrmy:{lan}:0") == NOT_FOUND
    assert len(await events(bot_run, "member_removed")) == 1


async def test_forged_and_foreign_buttons_change_nothing(bot_run: BotRun) -> None:
    await add_member(bot_run, DISTRICT, "HU-TUANGIAO", Role.supervisor)
    assert (await say(bot_run, DISTRICT, "thanhvien", "HU-DIENBIEN"))["text"] == NOT_FOUND
    own = await say(bot_run, DISTRICT, "thanhvien")  # their own unit, where they may remove its secretary
    assert own["text"].startswith("👥 Huyện ủy Tuần Giáo (HU-TUANGIAO) · 2 người đăng ký")
    minh = await membership_id(bot_run, OTHER, "HU-TUANGIAO")
    assert ("🗑 1. Minh", f"mrm:{minh}:0") in buttons(own)
    above = await membership_id(bot_run, SUPERVISOR, "TU")
    async with bot_run.session_factory() as session:
        foreign_invite = (await session.execute(select(Invite.id).join(Unit, Unit.id == Invite.unit_id)
                                                .where(Unit.code == "TU"))).scalars().first()
    tu = await unit_id(bot_run, "TU")
    # Outside their subtree, ids that do not exist or do not fit, digits of another script, junk.
    for data in (f"mrmy:{above}:0", f"mrm:{above}:0", f"mls:{tu}:0", f"mri:{foreign_invite}:0",
                 "mrmy:99999999999999999999:0", f"mrm:{2**31}:0", "mrm:١٢:0", "mrm:1", "mri:x:0", "mls::"):
        forge(bot_run, own, data)
        assert await press_and_answer(bot_run, DISTRICT, own, data=data) == NOT_FOUND, data
    # A co-supervisor of their own unit is not theirs to remove.
    colleague = TgUser(1005, "Phúc")
    await add_member(bot_run, colleague, "HU-TUANGIAO", Role.supervisor)
    peer = await membership_id(bot_run, colleague, "HU-TUANGIAO")
    forge(bot_run, own, f"mrmy:{peer}:0")
    assert await press_and_answer(bot_run, DISTRICT, own, data=f"mrmy:{peer}:0") == \
        "Chỉ quản trị viên hoặc người giám sát cấp trên của đơn vị mới xóa được thành viên này."
    # In a group, the secretary presses the 🗑 meant for the supervisor: not theirs.
    chat = await bot_run.client.create_group("Tổ công tác Tuần Giáo")
    await bot_run.client.send_command(DISTRICT, "thanhvien", chat=chat["id"])
    in_group = (await bot_run.client.wait_for_bot_messages(chat["id"]))[0]
    assert await press_and_answer(bot_run, OTHER, in_group, text="🗑 1. Minh") == NOT_FOUND
    assert await membership_id(bot_run, OTHER, "HU-TUANGIAO") == minh
    assert await membership_id(bot_run, SUPERVISOR, "TU") == above
    assert await membership_id(bot_run, colleague, "HU-TUANGIAO") == peer
    assert len(await events(bot_run, "member_removed")) == 1
    assert "error while handling an update" not in bot_run.log()


async def test_a_revoked_invite_is_refused_at_start(bot_run: BotRun) -> None:
    made = await say(bot_run, ADMIN, "moi", "HU-DIENBIEN", "thu_ky")
    code = made["text"].rsplit("start=", 1)[1].strip()
    async with bot_run.session_factory() as session:
        invite = (await session.execute(select(Invite).where(Invite.code == code))).scalars().one()
    listing = await say(bot_run, ADMIN, "thanhvien", "HU-DIENBIEN")
    assert listing["text"].splitlines()[1:] == ["1. ✉️ lời mời thư ký chưa dùng · hạn 19/05/2020"]
    assert buttons(listing) == [("✖️ 1. thu hồi", f"mri:{invite.id}:0")]
    assert await press_and_answer(bot_run, ADMIN, listing, text="✖️ 1. thu hồi") == \
        "Đã thu hồi lời mời: đường dẫn không còn dùng được."
    after = await bot_run.client.wait_for_edit(ADMIN.id, listing["message_id"])
    assert "Đơn vị này chưa có ai đăng ký." in after["text"] and "✉️" not in after["text"]
    refused = await say(bot_run, STRANGER, "start", code)
    assert refused["text"] == "Lời mời này đã bị thu hồi.\nVui lòng xin quản trị viên một lời mời mới."
    assert await membership_id(bot_run, STRANGER, "HU-DIENBIEN") is None
    [revoked] = await events(bot_run, "invite_revoked")
    assert (revoked.at, revoked.actor_label) == (NOW, "Quản trị (900001)")
    assert json.loads(revoked.details)["invite_id"] == invite.id
    # Pressed again from a stale copy: said plainly, logged once.
    forge(bot_run, after, f"mri:{invite.id}:0")
    assert await press_and_answer(bot_run, ADMIN, after, data=f"mri:{invite.id}:0") == \
        "Lời mời này không còn hiệu lực: đã dùng, đã thu hồi hoặc đã hết hạn."
    assert len(await events(bot_run, "invite_revoked")) == 1
