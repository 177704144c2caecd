"""The one place the Telegram application is wired: builder, context type, commands menu, start and stop.

    python -m bot run --plan plans/dien-bien-2019.yaml   # import a plan, then poll Telegram

Handlers get a `BotContext` (handlers/context.py): the session factory, the settings and the clock, never globals.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot, BotCommand, BotCommandScopeDefault
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes

from bot.i18n import N_, missing_catalogs, translator
from bot.logs import configure_logging
from bot.settings import Settings
from bot.timeutil import Clock, FixedClock, SystemClock
from handlers.context import BotContext, Services
from scheduler import EngineConfig, ReminderEngine, TelegramRateLimiter, start_reminders

log = logging.getLogger(__name__)

PostInitHook = Callable[[Application], Awaitable[None]]  # type: ignore[type-arg]

# (command, description): the menu users see, translated per language from the catalogs.
COMMANDS = (
    ("tiendo", N_("Show progress")),
    ("kehoach", N_("Plans in progress: pick one")),
    ("baocao", N_("Progress report: Excel and chart (supervisors)")),
    ("lich", N_("Milestones as a calendar file (.ics)")),
    ("xong", N_("Report done: /xong M05")),
    ("tralai", N_("Return a reported item (supervisors)")),
    ("giahan", N_("Ask for more time: /giahan M05 30/06/2020 reason")),
    ("moi", N_("Create an invite link (admins)")),
    ("thanhvien", N_("Who is registered for a unit (admins, supervisors)")),
    ("toi", N_("Your Telegram id, units and roles")),
    ("loi", N_("Failed sends (admins)")),
    ("ngonngu", N_("Change language: /ngonngu vi|en")),
    ("help", N_("How to use the bot")),
)

NO_TOKEN_MESSAGE = (
    "Chưa có mã bot Telegram. Hãy đặt TELEGRAM_BOT_TOKEN trong tệp .env (lấy mã từ @BotFather), "
    "hoặc chạy `make sandbox` để thử bot ngoại tuyến.\n"
    "No Telegram bot token. Set TELEGRAM_BOT_TOKEN in .env (get one from @BotFather), "
    "or run `make sandbox` to try the bot offline."
)


WEBHOOK_NEEDS_URL = (
    "Chế độ webhook cần WEBHOOK_URL: địa chỉ HTTPS công khai mà Telegram gửi cập nhật tới.\n"
    "Webhook mode needs WEBHOOK_URL: the public HTTPS address Telegram posts updates to."
)
WEBHOOK_NEEDS_SECRET = (
    "Chế độ webhook cần WEBHOOK_SECRET_TOKEN (1–256 ký tự A–Z, a–z, 0–9, _ hoặc -), "
    "để không ai khác gửi được cập nhật giả tới bot.\n"
    "Webhook mode needs WEBHOOK_SECRET_TOKEN (1-256 of A-Z, a-z, 0-9, _ or -), so nobody else can post updates."
)
ALLOWED_UPDATES = ["message", "callback_query"]
CATALOGS_MISSING = (
    "Thiếu bản dịch tiếng Việt đã biên dịch ({files}): hãy chạy `make catalogs` trong thư mục mã nguồn, "
    "hoặc cài lại gói nhacviec từ một bản dựng đầy đủ — bot không chạy bằng tiếng Anh thay thế.\n"
    "The compiled Vietnamese catalogs are missing ({files}): run `make catalogs` in the source folder, "
    "or reinstall the nhacviec package from a complete build — the bot will not run in English instead."
)
# What the Bot API answers at startup, said plainly: the traceback of a refused token or an unreachable server
# is hundreds of lines, and the refused token was printed whole in it.
TOKEN_REJECTED = (
    "Telegram không chấp nhận mã bot: hãy kiểm tra TELEGRAM_BOT_TOKEN trong tệp .env (mã lấy từ @BotFather, "
    "dạng 123456:ABC…) và TELEGRAM_API_BASE_URL nếu dùng máy chủ Bot API riêng.\n"
    "Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN in .env (the token from @BotFather, like "
    "123456:ABC…) and TELEGRAM_API_BASE_URL if you use your own Bot API server."
)
API_UNREACHABLE = (
    "Không kết nối được tới máy chủ Bot API {address}: hãy kiểm tra kết nối mạng của máy này (tường lửa, proxy) "
    "và TELEGRAM_API_BASE_URL trong tệp .env.\n"
    "Cannot reach the Bot API server {address}: check this machine's network connection (firewall, proxy) "
    "and TELEGRAM_API_BASE_URL in .env."
)
API_ERROR = (
    "Máy chủ Bot API {address} trả lời lỗi ({error}): hãy kiểm tra TELEGRAM_API_BASE_URL và WEBHOOK_URL "
    "trong tệp .env, hoặc thử lại sau.\n"
    "The Bot API server {address} answered with an error ({error}): check TELEGRAM_API_BASE_URL and "
    "WEBHOOK_URL in .env, or try again later."
)


def startup_problem(settings: Settings, *, webhook: bool) -> str | None:
    """Why the bot cannot start with these settings (None: it can)."""
    if missing := missing_catalogs():
        return CATALOGS_MISSING.format(files=", ".join(missing))
    if not settings.token():
        return NO_TOKEN_MESSAGE
    if webhook and not settings.webhook_url:
        return WEBHOOK_NEEDS_URL
    if webhook and settings.webhook_secret_token is None:
        return WEBHOOK_NEEDS_SECRET
    return None


def bot_api_failure(error: TelegramError, settings: Settings) -> str:
    """The bilingual sentence for a Bot API failure at startup."""
    parts = urlsplit(settings.telegram_api_base_url)
    address = f"{parts.scheme}://{parts.netloc}" if parts.netloc else settings.telegram_api_base_url
    if isinstance(error, InvalidToken):  # 401, and 404 (a token of the wrong shape)
        return TOKEN_REJECTED
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):  # BadRequest is a NetworkError
        return API_UNREACHABLE.format(address=address)
    return API_ERROR.format(address=address, error=error.message)


async def bot_api_problem(settings: Settings) -> str | None:
    """Asks the Bot API who the bot is (getMe), as python-telegram-bot will at startup; why that fails, said
    plainly (None: it answered)."""
    bot = Bot(settings.token() or "", base_url=settings.telegram_api_base_url,
              base_file_url=settings.telegram_api_file_url)
    try:
        async with bot:  # initialize() calls getMe
            return None
    except TelegramError as error:
        return bot_api_failure(error, settings)


def uses_webhook(settings: Settings, requested: bool = False) -> bool:
    """`--webhook`, or WEBHOOK_URL set, chooses webhook mode."""
    return requested or settings.webhook_url is not None


def clock_from(settings: Settings) -> Clock:
    """FAKE_NOW (tests and the sandbox only) freezes the bot's clock; otherwise the system clock."""
    return FixedClock(settings.fake_now) if settings.fake_now else SystemClock()


async def set_command_menu(application: Application) -> None:  # type: ignore[type-arg]
    bot = application.bot
    vi, en = translator("vi"), translator("en")
    await bot.set_my_commands([BotCommand(c, vi(text)) for c, text in COMMANDS], scope=BotCommandScopeDefault())
    await bot.set_my_commands([BotCommand(c, en(text)) for c, text in COMMANDS], scope=BotCommandScopeDefault(),
                              language_code="en")


def build_application(*, settings: Settings, session_factory: async_sessionmaker[AsyncSession],
                      clock: Clock | None = None, engine: AsyncEngine | None = None,
                      extra_post_init: Sequence[PostInitHook] = (),
                      reminders: bool = True) -> Application:  # type: ignore[type-arg]
    """Wires handlers, the command menu and (with `reminders`) the reminder engine into one Application.

    `extra_post_init` hooks run after those, in order.
    """
    from handlers import register_handlers
    from handlers.processor import ChatOrderedProcessor

    token = settings.token()
    if not token:
        raise RuntimeError(NO_TOKEN_MESSAGE)

    services = Services(session_factory=session_factory, settings=settings,
                        clock=clock or clock_from(settings), engine=engine)
    # Not in bot_data (that may be persisted) nor on the Application (it has __slots__).
    reminder_engines: list[ReminderEngine] = []

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        await set_command_menu(application)
        if reminders:
            from handlers.notices import RENDERERS  # what the queued messages say: the engine sends them all

            reminder_engines.append(await start_reminders(
                application, session_factory=session_factory, settings=settings, clock=services.clock,
                renderers=RENDERERS,
                config=EngineConfig(
                    quiet_from=settings.quiet_from,
                    sweep_interval=timedelta(seconds=settings.reminder_sweep_seconds),
                    claim_timeout=timedelta(seconds=settings.reminder_claim_timeout_seconds),
                    database_process=settings.delivery_process)))
        for hook in extra_post_init:
            await hook(application)

    async def post_stop(application: Application) -> None:  # type: ignore[type-arg]
        for reminder_engine in reminder_engines:
            reminder_engine.stop()

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        for reminder_engine in reminder_engines:
            await reminder_engine.close()  # its database process, once its sweep has ended
        if engine is not None:
            await engine.dispose()

    application = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_file_url)
        # One budget for replies and reminders: overall, per-chat and per-group limits.
        .rate_limiter(TelegramRateLimiter(max_retries=settings.rate_limit_retries,
                                          overall_per_second=settings.telegram_messages_per_second))
        .context_types(ContextTypes(context=BotContext))
        # Chats handled concurrently, each one's updates in order: a 429 wait or a long document in one chat
        # holds no other.
        .concurrent_updates(ChatOrderedProcessor())
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data["services"] = services
    register_handlers(application)
    return application


def run(settings: Settings, *, session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine | None = None,
        extra_post_init: Sequence[PostInitHook] = (), webhook: bool = False) -> None:
    """Serves until SIGINT/SIGTERM: long polling, or with `webhook` (or WEBHOOK_URL set) a webhook server.

    Exits 2 with a clear bilingual message when the Vietnamese catalogs, the token or a webhook setting is
    missing, the Bot API cannot be reached or refuses the token.
    """
    redact = configure_logging(settings)
    webhook = uses_webhook(settings, webhook)
    if problem := startup_problem(settings, webhook=webhook):
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    if problem := asyncio.run(bot_api_problem(settings)):
        print(redact(problem), file=sys.stderr)
        raise SystemExit(2)
    application = build_application(settings=settings, session_factory=session_factory, engine=engine,
                                    extra_post_init=extra_post_init)
    log.info("bot starting (%s; clock: %s)", "webhook" if webhook else "polling",
             "fixed" if settings.fake_now else "system")
    try:
        if not webhook:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
            return
        assert settings.webhook_secret_token is not None
        # Every process of a replicated deployment sets the same URL; PTB's server answers 403 to any request
        # without the secret token, before it reaches a handler.
        application.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                                url_path=settings.webhook_path, webhook_url=settings.webhook_url,
                                secret_token=settings.webhook_secret_token.get_secret_value(),
                                allowed_updates=ALLOWED_UPDATES)
    except TelegramError as error:  # the Bot API failed between the check above and the start (or setWebhook)
        print(redact(bot_api_failure(error, settings)), file=sys.stderr)
        raise SystemExit(2) from None
