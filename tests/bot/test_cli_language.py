"""The command line's help and usage errors are Vietnamese, click's own words included ("Usage:", "Show this
message and exit.", "Missing option", "No such command", the "Error" panel)."""

from __future__ import annotations

from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from bot.cli import app
from bot.cli_language import Typer, translate_error

ENGLISH = ["Usage", "Show this message", "Options", "Commands", "Arguments", "required]", "Error", "Missing",
           "No such", "Try '", "for help", "Got unexpected", "requires", "Did you mean"]


def invoke(*args: str, cli: typer.Typer = app) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "120", "TERMINAL_WIDTH": "120"})
    return result.exit_code, result.output


def assert_no_english(output: str) -> None:
    assert [word for word in ENGLISH if word in output] == [], output


def test_help_is_vietnamese() -> None:
    code, output = invoke("--help")
    assert code == 0, output
    assert "Cách dùng: nhacviec [OPTIONS] COMMAND [ARGS]..." in output
    assert "Hiện hướng dẫn này rồi thoát." in output
    assert "─ Tùy chọn ─" in output and "─ Lệnh ─" in output
    assert_no_english(output)


def test_a_commands_help_is_vietnamese() -> None:
    code, output = invoke("import", "--help")
    assert code == 0, output
    assert "Cách dùng: nhacviec import [OPTIONS] {PLAN}" in output
    assert "─ Tham số ─" in output and "[bắt buộc]" in output and "Hiện hướng dẫn này rồi thoát." in output
    assert_no_english(output)


@pytest.mark.parametrize(("args", "message"), [
    (["report", "--unit", "TU"], "Thiếu tùy chọn '--out' / '-o'."),
    (["import"], "Thiếu tham số 'PLAN'."),
    (["nope"], "Không có lệnh 'nope'."),
    (["unit"], "Không có lệnh 'unit'. Có phải ý bạn là 'units'"),
    (["units", "--bogus"], "Không có tùy chọn --bogus."),
    (["--bogus"], "Không có tùy chọn --bogus."),
    (["milestones", "thua", "nua"], "Thừa tham số: thua nua."),
    (["report", "--unit"], "Tùy chọn '--unit' cần một giá trị."),
], ids=["missing option", "missing argument", "no such command", "suggestion", "no such option",
        "no such option of the app", "extra arguments", "option without its value"])
def test_usage_errors_are_vietnamese_and_exit_2(args: list[str], message: str) -> None:
    code, output = invoke(*args)
    assert code == 2, output
    assert message in output
    assert "─ Lỗi ─" in output
    assert_no_english(output)


def test_usage_line_and_hint_of_an_error_are_vietnamese() -> None:
    _code, output = invoke("report", "--unit", "TU")
    assert "Cách dùng: nhacviec report [OPTIONS]" in output
    assert "Gõ 'nhacviec report --help' để xem hướng dẫn." in output


def test_a_command_added_later_to_such_an_app_speaks_vietnamese_too() -> None:
    """Other modules add commands with `@app.command()`: they get the translated command class."""
    cli = Typer(name="thu", add_completion=False)

    @cli.callback()
    def main() -> None:
        """Ứng dụng thử."""

    @cli.command("moi")
    def new_command(code: Annotated[str, typer.Option("--code")]) -> None:
        """Lệnh mới."""

    code, output = invoke("moi", cli=cli)
    assert code == 2 and "Thiếu tùy chọn '--code'." in output, output
    assert "Hiện hướng dẫn này rồi thoát." in invoke("moi", "--help", cli=cli)[1]


def test_an_unknown_message_is_left_as_it_is() -> None:
    assert translate_error("Something click never said.") == "Something click never said."
    assert translate_error("Invalid value for '--n': 'x' is not a valid integer.") == \
        "Giá trị không hợp lệ cho '--n': 'x' is not a valid integer."
