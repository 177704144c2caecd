"""Button data: every button the bot makes reads back as made; anything else — forged ids too big for the
database, other digits, junk after a known prefix, over 64 bytes — is refused (None), never an exception."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings, strategies as st

from bot.i18n import translator
from bot.render.buttons import done_data
from handlers.keyboards import (
    ACTIONS,
    MAX_NUMBER,
    SHAPES,
    VIEWS,
    Pressed,
    callback,
    done_keyboard,
    list_keyboard,
    parse_button,
    pick_keyboard,
    review_keyboard,
    undo_keyboard,
)

NUMBERS = st.integers(min_value=0, max_value=MAX_NUMBER)
PREFIXES = [*sorted(SHAPES), "imp", "imp-no", "", "DONE", "done "]
PARTS = st.one_of(
    st.text(max_size=24),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "0", "00", "01", "+1", "-1", " 1", "1 ", "1_000", "0x10", "1e3", "١٢", "²", "１",
                     str(MAX_NUMBER), str(MAX_NUMBER + 1), str(2**63), "9" * 20, "me", "u", "m", "p", "k", "x",
                     "tiendo", "xong", "lich", "XONG", "tralai"]),
)
CALLBACK_DATA = st.one_of(
    st.none(),
    st.text(max_size=80),
    st.text(min_size=65, max_size=300),
    st.binary(max_size=80).map(lambda raw: raw.decode("latin-1")),
    st.builds(lambda prefix, parts: ":".join([prefix, *parts]), st.sampled_from(PREFIXES), st.lists(PARTS, max_size=5)),
)


def rebuilt(pressed: Pressed) -> str:
    """The data the bot itself writes for this button."""
    if pressed.view:  # pg:<view>:…, pick:<action>:…
        return callback(pressed.kind, pressed.view, *pressed.numbers)
    return callback(pressed.kind, *pressed.numbers)


@settings(deadline=None, max_examples=600)
@given(CALLBACK_DATA)
@example("done:99999999999999999999")
@example("pg:u:99999999999999999999:0")
@example("urge:" + "9" * 59)
def test_any_data_is_a_button_the_bot_makes_or_refused(data: str | None) -> None:
    pressed = parse_button(data)  # never raises
    if pressed is None:
        return
    # Accepted only if it is exactly what the bot writes, so every id in it is one the database can hold.
    assert rebuilt(pressed) == data
    assert all(0 <= number <= MAX_NUMBER for number in pressed.numbers)


@pytest.mark.parametrize("data", [
    "done:99999999999999999999", f"done:{2**31}", f"acc:{2**63}", "undo:-1", "ret:", "urge:1:2", "ms:١٢",
    "done:001", "pg:u:1", "pg:zz:1:0", "pg:u:1:99999999999999999999", "imp:abc", "", None, "done:" + "1" * 70,
])
def test_forged_and_malformed_data_is_refused(data: str | None) -> None:
    assert parse_button(data) is None


@settings(deadline=None, max_examples=200)
@given(NUMBERS, NUMBERS, NUMBERS, st.sampled_from(sorted(VIEWS)))
def test_every_button_the_bot_makes_reads_back(assignment_id: int, arg: int, page: int, view: str) -> None:
    t = translator("vi")
    made = [b.callback_data for keyboard in (done_keyboard(t, assignment_id), undo_keyboard(t, assignment_id),
                                             review_keyboard(t, assignment_id))
            for row in keyboard.inline_keyboard for b in row]
    made += [done_data(assignment_id), callback("urge", arg), callback("ms", arg), callback("plan", arg)]
    for data in made:
        pressed = parse_button(data)
        assert pressed is not None and pressed.numbers in ((assignment_id,), (arg,))
    paging = list_keyboard(kind=view, arg=arg, page=min(page, 5), pages=7)
    assert paging is not None
    for row in paging.inline_keyboard:
        for button in row:
            page_number = int(button.callback_data.rsplit(":", 1)[1])
            assert parse_button(button.callback_data) == Pressed("pg", (arg, page_number), view)


@settings(deadline=None, max_examples=100)
@given(NUMBERS, st.sampled_from(sorted(ACTIONS)))
def test_which_plan_buttons_read_back(milestone_id: int, action: str) -> None:
    """pick:<action>:<milestone id>, the answer to "which plan?": within 64 bytes, read back whole."""
    keyboard = pick_keyboard([("DB-CT35-2019-KHONG-NGAN-LAM", action, milestone_id), ("15-KH/TU", action, 0)])
    data = [button.callback_data for row in keyboard.inline_keyboard for button in row]
    assert all(len(d.encode()) <= 64 for d in data)
    assert [parse_button(d) for d in data] == [Pressed("pick", (milestone_id,), action), Pressed("pick", (0,), action)]
    assert parse_button(f"pick:tralai:{milestone_id}") is None and parse_button(f"pick:{milestone_id}") is None
