"""nhacviec: a Telegram bot that keeps a Vietnamese organisation on schedule."""
