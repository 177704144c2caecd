"""The bot's @username for invite links printed by the CLI: TELEGRAM_BOT_USERNAME, or else asked of the Bot API
(getMe at TELEGRAM_API_BASE_URL: Telegram, a self-hosted server or the emulator). Plain HTTP: no Telegram types."""

from __future__ import annotations

import httpx

from bot.settings import Settings

TIMEOUT_SECONDS = 10.0


class BotInfoError(Exception):
    """Why the username could not be found, in Vietnamese for the person at the terminal."""


async def bot_username(settings: Settings) -> str:
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    token = settings.token()
    if not token:
        raise BotInfoError("Chưa đặt TELEGRAM_BOT_USERNAME (tên @ của bot), cũng chưa có TELEGRAM_BOT_TOKEN để hỏi "
                           "Telegram: hãy đặt một trong hai trong tệp .env.")
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, trust_env=True) as client:
            response = await client.get(f"{settings.telegram_api_base_url}{token}/getMe")
        answer = response.json()
    except (httpx.HTTPError, ValueError) as error:
        # The error text may hold the URL, and the URL holds the token: say what failed, never where.
        raise BotInfoError(f"Không hỏi được Telegram tên của bot (getMe: {type(error).__name__}). "
                           "Hãy đặt TELEGRAM_BOT_USERNAME trong tệp .env.") from None
    username = (answer.get("result") or {}).get("username") if isinstance(answer, dict) and answer.get("ok") else None
    if not username:
        description = answer.get("description", "") if isinstance(answer, dict) else ""
        raise BotInfoError(f"Telegram không cho biết tên của bot (getMe: {description or response.status_code}). "
                           "Mã bot (TELEGRAM_BOT_TOKEN) có đúng không? Hoặc đặt TELEGRAM_BOT_USERNAME trong tệp .env.")
    return str(username)
