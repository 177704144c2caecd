"""One renderer (bot/render): the same item reads the same in a reminder and in /tiendo; a cut message is still
valid HTML within Telegram's limit; every button the bot makes reads back, and a forged one is refused."""

from __future__ import annotations

import re
from datetime import date
from html import escape
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings, strategies as st

from bot.i18n import translator
from bot.progress import Item
from bot.render.buttons import MAX_NUMBER, SHAPES, button_data, done_data, parse_button
from bot.render.fit import MESSAGE_LIMIT, fit, units
from bot.render.items import TITLE_CHARS
from bot.status import Status
from handlers.keyboards import done_keyboard, item_buttons
from handlers.render import item_line, paginate
from scheduler.render import ItemView, render_escalation, render_reminder

VI = translator("vi")
LONG_TITLE = "Báo cáo sơ kết <3 năm> thực hiện Chỉ thị 35 & các văn bản \"liên quan\" của Ban Thường vụ " * 4


def both(days_left: int, status: Status, title: str = LONG_TITLE) -> tuple[str, str, str]:
    """The same assignment as a reminder, a late-units digest and a /tiendo line show it."""
    view = ItemView(assignment_id=7, code="M03", title=title, unit_name="Xã A", due_date=date(2020, 5, 15),
                    due_time=None, days_left=days_left)
    item = Item(assignment_id=7, milestone_id=3, milestone_code="M03", title=title, due_date=date(2020, 5, 15),
                status=status, days_left=days_left, unit_id=1, unit_code="XA", unit_name="Xã A")
    return (render_reminder(unit_name="Xã A", items=[view], tr=VI).text,
            render_escalation(parent_name="Huyện", items=[view], tr=VI).text, item_line(VI, item))


@pytest.mark.parametrize(("days_left", "status", "phrase"), [
    (3, Status.on_track, "còn 3 ngày"), (0, Status.due_soon, "hạn chót là hôm nay"),
    (-2, Status.overdue, "quá hạn 2 ngày")])
def test_an_item_reads_the_same_in_a_reminder_and_in_tiendo(days_left: int, status: Status, phrase: str) -> None:
    reminder, escalation, tiendo = both(days_left, status)
    title = re.search(r"<b>M03</b> (.*)", tiendo).group(1)  # type: ignore[union-attr]
    assert title.endswith("…") and len(title) < len(escape(LONG_TITLE))  # one cut, the same everywhere
    assert f"<b>M03</b> {title}" in reminder and f"M03 {title}" in escalation
    assert phrase in reminder and phrase in tiendo
    if days_left < 0:
        assert phrase in escalation


def test_one_title_cut() -> None:
    reminder, _, tiendo = both(1, Status.due_soon, title="x" * TITLE_CHARS)
    assert "x" * TITLE_CHARS in reminder and "x" * TITLE_CHARS in tiendo  # at the cut: whole
    reminder, _, tiendo = both(1, Status.due_soon, title="x" * (TITLE_CHARS + 1))
    assert "x" * (TITLE_CHARS - 1) + "…" in reminder and "x" * (TITLE_CHARS - 1) + "…" in tiendo


class Strict(HTMLParser):
    """Telegram's objections: an unknown or unclosed tag, a stray closing tag, a broken entity."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"stray </{tag}>"


def assert_valid(html: str) -> None:
    assert re.search(r"<[^>]*$", html) is None, "a tag cut in two"
    assert re.search(r"&[#\w]*$", html) is None, "an entity cut in two"
    for amp in re.finditer("&", html):
        assert re.match(r"&(lt|gt|amp|quot|#x27);", html[amp.start():]), "a broken entity"
    parser = Strict()
    parser.feed(html)
    parser.close()
    assert parser.open == [], f"unclosed {parser.open}"


TEXT = st.text(alphabet=st.sampled_from("ab <>&\"'\nđ😀"), max_size=40)
TAGS = st.sampled_from(["b", "i", "code", "u"])
PIECE = st.one_of(TEXT.map(escape),
                  st.tuples(TAGS, TEXT).map(lambda tag_text: f"<{tag_text[0]}>{escape(tag_text[1])}</{tag_text[0]}>"),
                  st.tuples(TAGS, TAGS, TEXT).map(lambda t: f"<{t[0]}><{t[1]}>{escape(t[2])}</{t[1]}></{t[0]}>"),
                  TEXT.map(lambda text: f'<a href="https://x.vn/?a=1&amp;b=2">{escape(text)}</a>'))


@settings(deadline=None, max_examples=400)
@given(st.lists(PIECE, max_size=30).map("".join), st.integers(min_value=1, max_value=300))
def test_a_cut_never_breaks_a_tag_or_an_entity(html: str, limit: int) -> None:
    cut = fit(html, limit)
    assert units(cut) <= limit
    assert_valid(cut)
    if units(html) <= limit:
        assert cut == html
    else:
        assert "…" in cut


def test_a_long_reminder_is_cut_within_the_limit_as_valid_html() -> None:
    views = [ItemView(assignment_id=n, code=f"M{n}", title="<Rất dài> & " * 40, unit_name="Xã A",
                      due_date=date(2020, 5, 15), due_time=None, days_left=-n, plan=f"KH<{n}>" * 30)
             for n in range(60)]
    text = render_escalation(parent_name="Huyện", items=views, tr=VI).text
    assert units(text) <= MESSAGE_LIMIT
    assert_valid(text)


def test_pages_cut_a_long_line_as_valid_html() -> None:
    line = "<b>" + escape("Đơn vị & <tên> " * 500) + "</b>"
    (page,) = paginate([line], budget=1000)
    assert units(page) <= 1000 and page.endswith("</b>")
    assert_valid(page)


NUMBER = st.integers(min_value=0, max_value=MAX_NUMBER)


@settings(deadline=None, max_examples=200)
@given(st.sampled_from(sorted(SHAPES)), st.lists(NUMBER, min_size=4, max_size=4), st.data())
def test_every_button_built_parses_back(kind: str, numbers: list[int], data: st.DataObject) -> None:
    args: list[object] = []
    for letter in SHAPES[kind]:
        if letter == "v":
            args.append(data.draw(st.sampled_from(["me", "u", "m", "p", "k"])))
        elif letter == "a":
            args.append(data.draw(st.sampled_from(["tiendo", "xong", "lich"])))
        else:
            args.append(numbers.pop())
    built = button_data(kind, *args)
    pressed = parse_button(built)
    assert pressed is not None and pressed.kind == kind
    assert list(pressed.numbers) == [a for a in args if isinstance(a, int)]


def test_reminder_and_chat_buttons_are_the_same_protocol() -> None:
    view = ItemView(assignment_id=42, code="M03", title="t", unit_name="X", due_date=date(2020, 5, 15),
                    due_time=None, days_left=1)
    sent = [b.callback_data for row in render_reminder(unit_name="X", items=[view], tr=VI).buttons for b in row]
    chat = [b.callback_data for row in done_keyboard(VI, 42).inline_keyboard for b in row]
    assert sent == chat == [done_data(42), "ext:42"]
    assert item_buttons(done_keyboard(VI, 42)) == 1


@pytest.mark.parametrize("forged", ["done:42:1", "done:-1", "done:042", f"done:{MAX_NUMBER + 1}", "done:4 2",
                                    "done:١٢", "done 42", "DONE:42", "pg:zz:1:0", "pick:drop:1", "done:", "x" * 65,
                                    "done:" + "1" * 60, "ext:1e3"])
def test_a_forged_button_is_refused(forged: str) -> None:
    assert parse_button(forged) is None
    with pytest.raises(ValueError):  # and the bot never builds one
        button_data(*forged.split(":"))
