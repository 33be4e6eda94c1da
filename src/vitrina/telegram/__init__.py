"""Search by photo in the shop's Telegram bot (python-telegram-bot, webhook or long polling)."""
