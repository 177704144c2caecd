"""A member marked inactive after a 403 is active again once they write in that chat, and only in that chat."""

from __future__ import annotations

from datetime import datetime

from bot.members import get_or_create_member, reactivate_member
from tests.conftest import VN

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=VN)
GROUP = -100123


async def test_writing_again_reactivates_that_chat_only(session_factory) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        private = await get_or_create_member(session=session, telegram_user_id=1001, chat_id=1001, full_name="Lan",
                                             username=None, now=NOW)
        group = await get_or_create_member(session=session, telegram_user_id=1001, chat_id=GROUP, full_name="Lan",
                                           username=None, now=NOW)
        private.active = group.active = False  # both chats refused the bot (blocked; removed from the group)
        await session.flush()
        # Writing in the group says nothing about the private chat, which stays blocked.
        assert await reactivate_member(session=session, telegram_user_id=1001, chat_id=GROUP)
        assert group.active and not private.active
        assert not await reactivate_member(session=session, telegram_user_id=1001, chat_id=GROUP)  # nothing to do
        assert await reactivate_member(session=session, telegram_user_id=1001, chat_id=1001)
        assert private.active
        assert not await reactivate_member(session=session, telegram_user_id=9999, chat_id=9999)
