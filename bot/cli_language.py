"""The command line's own words in Vietnamese: help, usage line and usage errors.

Typer 0.29 ships its own copy of click with English literals and no gettext ("Show this message and exit.",
"Usage: ", "Missing option …"); a few of typer's strings do go through gettext, but at import time and in
whatever language the environment says. So binding a gettext domain cannot reach them. Instead:

* `Typer` gives every command of the app `TranslatedCommand` (and the app `TranslatedGroup`): their help option
  and usage line are translated, and the group turns every usage error into one with a Vietnamese message
  (`translate_error`, by the message's English pattern; an unknown one stays as it is);
* typer's panel titles and markers ("Options", "[required]", "Error" …) are module constants of
  `typer.rich_utils`, read when help or an error is printed: `translate_typer_words` replaces them once.

The words come from the `bot` catalog (English msgids), in Vietnamese: the CLI's own texts are Vietnamese too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer import core as typer_core, rich_utils
from typer._click import Context, HelpFormatter
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer._click.utils import echo

from bot.i18n import N_, translator

LANGUAGE = "vi"
HELP_OPTION = N_("Show this message and exit.")
USAGE = N_("Usage: ")
TRY_HELP = N_("Try '{command} {option}' for help.")
ERROR = N_("Error: {message}")
# typer.rich_utils constant -> its English text (the msgid).
RICH_WORDS = {
    "DEPRECATED_STRING": N_("(deprecated) "),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "ABORTED_TEXT": N_("Aborted."),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
# click's and typer's usage errors, as they print them (regex) -> msgid with the same named fields.
ERRORS = [
    (r"Missing option (?P<name>.+?)\.", N_("Missing option {name}.")),
    (r"Missing argument (?P<name>.+?)\.", N_("Missing argument {name}.")),
    (r"Missing parameter:? (?P<name>.+?)\.?", N_("Missing parameter {name}.")),
    (r"Missing command\.", N_("Missing command.")),
    (r"No such command (?P<name>.+?)\.", N_("No such command {name}.")),
    (r"No such option: (?P<name>\S+)", N_("No such option: {name}.")),
    (r"Got unexpected extra argument(?:s|\(s\))? \((?P<values>.*)\)", N_("Unexpected extra arguments: {values}.")),
    (r"Option (?P<name>'.+?') requires an argument\.", N_("Option {name} needs a value.")),
    (r"Option (?P<name>'.+?') requires (?P<count>\d+) arguments\.", N_("Option {name} needs {count} values.")),
    (r"Option (?P<name>'.+?') does not take a value\.", N_("Option {name} takes no value.")),
    (r"Argument (?P<name>'.+?') takes (?P<count>\d+) values\.", N_("Argument {name} takes {count} values.")),
    (r"Invalid value for (?P<name>.+?): (?P<reason>.+)", N_("Invalid value for {name}: {reason}")),
    (r"Invalid value: (?P<reason>.+)", N_("Invalid value: {reason}")),
]
# What click appends to some of those: suggestions.
SUFFIXES = [
    (r" ?Did you mean (?P<names>.+?)\?", N_("Did you mean {names}?")),
    (r" ?\(Possible options: (?P<names>.+)\)", N_("Did you mean one of: {names}?")),
]
_ERRORS = [(re.compile(pattern, re.DOTALL), msgid) for pattern, msgid in ERRORS]
_SUFFIXES = [(re.compile(pattern + r"$", re.DOTALL), msgid) for pattern, msgid in SUFFIXES]


def gettext(message: str) -> str:
    return translator(LANGUAGE)(message)


def translate_error(message: str) -> str:
    """A usage error in Vietnamese: its pattern's translation with the same names, then any suggestion."""
    suffixes: list[str] = []
    for pattern, msgid in _SUFFIXES:
        if found := pattern.search(message):
            suffixes.insert(0, gettext(msgid).format(**found.groupdict()))
            message = message[:found.start()].rstrip()
    for pattern, msgid in _ERRORS:
        if found := pattern.fullmatch(message):
            fields = found.groupdict()
            if "reason" in fields:  # a parameter's own message may be one of click's too
                fields["reason"] = translate_error(fields["reason"])
            message = gettext(msgid).format(**fields)
            break
    return " ".join([message, *suffixes])


class TranslatedUsageError(UsageError):
    """A usage error whose message is already translated; printed in Vietnamese without rich too."""

    def __init__(self, message: str, ctx: Context | None, exit_code: int) -> None:
        super().__init__(message, ctx)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        if self.ctx is not None:
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = gettext(TRY_HELP).format(command=self.ctx.command_path,
                                                option=self.ctx.help_option_names[0]) + "\n"
            echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=file is None, color=self.ctx.color)
        echo(gettext(ERROR).format(message=self.format_message()), file=file, err=file is None)


@contextmanager
def translated_errors() -> Iterator[None]:
    try:
        yield
    except (TranslatedUsageError, NoArgsIsHelpError):  # already Vietnamese; the help page itself
        raise
    except UsageError as error:
        raise TranslatedUsageError(translate_error(error.format_message()), error.ctx, error.exit_code) from None


class TranslatedFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, gettext(USAGE) if prefix is None else prefix)


class TranslatedContext(Context):
    formatter_class = TranslatedFormatter


def _translated_help(option: Any) -> Any:
    if option is not None:
        option.help = gettext(HELP_OPTION)
    return option


class TranslatedCommand(typer_core.TyperCommand):
    context_class = TranslatedContext

    def get_help_option(self, ctx: Context) -> Any:
        return _translated_help(super().get_help_option(ctx))


class TranslatedGroup(typer_core.TyperGroup):
    """The app: its own parsing, and its commands' (they are parsed within `invoke`), raise Vietnamese errors."""

    context_class = TranslatedContext

    def get_help_option(self, ctx: Context) -> Any:
        return _translated_help(super().get_help_option(ctx))

    def make_context(self, info_name: str | None, args: list[str], parent: Context | None = None,
                     **extra: Any) -> Context:
        with translated_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Context) -> Any:
        with translated_errors():
            return super().invoke(ctx)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        translate_typer_words()  # here, not at import: the catalogs may be compiled after bot.cli is imported
        return super().main(*args, **kwargs)


def translate_typer_words() -> None:
    for constant, msgid in RICH_WORDS.items():
        setattr(rich_utils, constant, gettext(msgid))


class Typer(typer.Typer):
    """typer.Typer whose commands (and the app itself) speak Vietnamese in help and usage errors."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=TranslatedGroup, **kwargs)

    def command(self, name: str | None = None, *, cls: type[typer_core.TyperCommand] | None = None,
                **kwargs: Any) -> Callable[[Any], Any]:
        return super().command(name, cls=cls or TranslatedCommand, **kwargs)
