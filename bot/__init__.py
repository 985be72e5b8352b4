"""Shangliang (商量): group deliberation in Telegram group chats."""

__version__ = "0.1.0"
