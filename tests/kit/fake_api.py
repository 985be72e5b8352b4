"""The tests' strict fake Bot API is the product's stand-in model (standin/botapi.py): one
place knows what Telegram accepts and refuses, for the tests and for `shangliang try`.

Re-exported here under the names the tests have always used (FakeBotAPI is standin's BotAPI).
"""

from __future__ import annotations

from standin.botapi import (  # noqa: F401  (re-exported for the tests)
    _CONTENT_RIGHTS,
    _SEND_CONTENT,
    _SENDS,
    ANONYMOUS_ADMIN,
    BLOCKED,
    BOT_ID,
    BOT_RIGHTS,
    BOT_USERNAME,
    BUTTON_DATA_INVALID,
    CANT_DELETE,
    CANT_INITIATE,
    CHANNEL_BOT,
    CHAT_NOT_FOUND,
    CHAT_PERMISSIONS,
    CHAT_WRITE_FORBIDDEN,
    GENERAL_THREAD_ID,
    MAX_CAPTION,
    MAX_TEXT,
    MAX_TOAST,
    NO_RIGHTS_TO_PIN,
    NO_RIGHTS_TO_SEND,
    NOT_A_FORUM,
    QUERY_TOO_OLD,
    THREAD_NOT_FOUND,
    TOPIC_CLOSED,
    TOPIC_ID_INVALID,
    TOPIC_NOT_MODIFIED,
    BotAPI,
    Call,
    HtmlError,
    _ApiError,
    html_to_plain,
    normalise_params,
    parse_html,
)

FakeBotAPI = BotAPI
