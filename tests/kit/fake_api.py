"""The tests' strict fake Bot API is the product's stand-in model (standin/botapi.py): one
place knows what Telegram accepts and refuses, for the tests and for `shangliang try`.

Re-exported here under the names the tests have always used (FakeBotAPI is standin's BotAPI);
a name the model gains later is found here as well (the module's __getattr__).
"""

from __future__ import annotations

from typing import Any

from standin import botapi
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


def __getattr__(name: str) -> Any:
    """Any other name of the model (a refusal's text added there) is found here too."""
    try:
        return getattr(botapi, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
