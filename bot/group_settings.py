"""The settings a group's convenors may change with /settings; the config file gives their defaults."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, field_validator

from bot.durations import format_duration, parse_duration
from bot.i18n import N_
from bot.numbers import fold, read_whole
from bot.ratios import parse_quorum, parse_ratio

Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]

LANGUAGES = ("zh", "en")
_QUIET = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])-([01]?[0-9]|2[0-3]):([0-5][0-9])")


def _offsets(value: Any) -> Any:
    if isinstance(value, str):
        return [part for part in value.replace(" ", "").split(",") if part]
    return value


def _bool(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("on", "yes", "true", "1", "开", "是"):
            return True
        if lowered in ("off", "no", "false", "0", "关", "否"):
            return False
    return value


Flag = Annotated[bool, BeforeValidator(_bool)]


def _count(value: Any) -> Any:
    """A count typed with full-width digits (２) is that count; other text is left to fail."""
    if isinstance(value, str):
        count = read_whole(value)
        return value if count is None else count
    return value


Count = Annotated[int, BeforeValidator(_count)]


class GroupSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    language: Literal["zh", "en"] = "zh"
    timezone: str = "Asia/Shanghai"
    views_duration: Duration = timedelta(days=3)
    vote_duration: Duration = timedelta(days=2)
    # A third of the members, but never more than 10 people: a village where 30 of 300
    # members take part can still reach it.
    quorum: str = "1/3 max 10"
    threshold: str = "2/3"
    blocks_allowed: Count = 0
    anonymous_views: Flag = True
    secret_ballot: Flag = False
    followup_offsets: Annotated[list[Duration], BeforeValidator(_offsets)] = [
        timedelta(days=7),
        timedelta(days=30),
        timedelta(days=90),
    ]
    due_reminder: Duration = timedelta(days=2)
    # Those who took part in a topic and have not yet given a view or voted are reminded this
    # long before the views and the vote close.
    turnout_reminder: Duration = timedelta(hours=12)
    quiet_hours: str = "22:00-08:00"
    reopen_share: str = "1/2"
    overdue_reopen_after: Duration = timedelta(days=7)
    # In a forum group where the bot may manage topics: each accepted topic in its own thread.
    topic_threads: Flag = True
    # 两商衔接: a referral card shows the names of those who gave views (never of anonymous
    # views); off, it shows the views' texts only.
    share_names: Flag = False
    # Issue 13: the group and those coming are reminded this long before a meeting; a convenor
    # may enter a ballot by proxy under secret ballot only if the group allows it; an escalated
    # matter's outcome is asked about this long after it went to mediation or a court.
    meeting_reminder: Duration = timedelta(hours=2)
    proxy_under_secret: Flag = False
    escalation_check: Duration = timedelta(days=30)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)"
            ) from exc
        return value

    @field_validator("quorum")
    @classmethod
    def _quorum(cls, value: str) -> str:
        parse_quorum(value)
        return fold(value).strip()

    @field_validator("threshold", "reopen_share")
    @classmethod
    def _ratio(cls, value: str) -> str:
        parse_ratio(value)
        return fold(value).strip()

    @field_validator("blocks_allowed")
    @classmethod
    def _blocks(cls, value: int) -> int:
        if not 0 <= value <= 1000:
            raise ValueError("blocks allowed must lie between 0 and 1000")
        return value

    @field_validator("followup_offsets")
    @classmethod
    def _offsets_count(cls, value: list[timedelta]) -> list[timedelta]:
        if len(value) > 10:
            raise ValueError("at most 10 follow-up offsets")
        return sorted(set(value))

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        cleaned = fold(value).strip().replace(" ", "")
        if cleaned.lower() in ("off", "none", "-"):
            return "off"
        if not _QUIET.fullmatch(cleaned):
            raise ValueError("quiet hours look like 22:00-08:00, or off")
        return cleaned

    def quiet_window(self) -> tuple[time, time] | None:
        if self.quiet_hours == "off":
            return None
        start, end = self.quiet_hours.split("-")
        return time.fromisoformat(start.zfill(5)), time.fromisoformat(end.zfill(5))

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


SETTING_KEYS = tuple(GroupSettings.model_fields)

# What each setting means, shown beside it by /settings (translated there; a key without a
# label is shown alone).
SETTING_LABELS = {
    "language": N_("language of the group"),
    "timezone": N_("time zone"),
    "views_duration": N_("how long views are taken"),
    "vote_duration": N_("how long a vote lasts"),
    "quorum": N_("ballots needed for a vote to count"),
    "threshold": N_("share of agree ballots that carries a vote"),
    "blocks_allowed": N_("blocks a vote may have and still carry"),
    "anonymous_views": N_("views may be anonymous"),
    "secret_ballot": N_("secret ballot"),
    "followup_offsets": N_("follow-up cards after adoption"),
    "due_reminder": N_("reminder before an action is due"),
    "turnout_reminder": N_(
        "reminder to those who have not yet given a view or voted, before the deadline"
    ),
    "quiet_hours": N_("no scheduled messages in these hours"),
    "reopen_share": N_("share of unsatisfied ratings that asks about reopening"),
    "overdue_reopen_after": N_("ask about reopening this long after an action is overdue"),
    "topic_threads": N_("in a forum group, each accepted topic gets its own thread"),
    "share_names": N_("a referral to a members' group names those who gave views"),
    "meeting_reminder": N_("reminder before an offline meeting"),
    "proxy_under_secret": N_("a convenor may enter a ballot by proxy under secret ballot"),
    "escalation_check": N_("ask how an escalated matter was settled this long after"),
}
