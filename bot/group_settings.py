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
from bot.ratios import RatioError, normal_threshold, parse_quorum, parse_ratio

Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]

LANGUAGES = ("zh", "en")
_QUIET = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])-([01]?[0-9]|2[0-3]):([0-5][0-9])")


def _offsets(value: Any) -> Any:
    if isinstance(value, str):
        # 7d,30d or 7天、30天，90天: commas and the enumeration comma alike.
        cleaned = value.replace(" ", "").replace("、", ",").replace("，", ",")
        return [part for part in cleaned.split(",") if part]
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

    @field_validator("threshold")
    @classmethod
    def _threshold(cls, value: str) -> str:
        # 过半 / 半数以上: more than half, stored as the strict rule ">1/2" (bot/ratios.py).
        return normal_threshold(value)

    @field_validator("reopen_share")
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
        if cleaned.lower() in ("off", "none", "-", "关", "关闭", "无", "不要"):
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

# Chinese names a convenor may type for a setting (/settings 通过比例 过半); /settings shows
# them in a Chinese group's examples.
SETTING_ALIASES = {
    "语言": "language",
    "时区": "timezone",
    "征集意见时长": "views_duration",
    "意见征集时长": "views_duration",
    "表决时长": "vote_duration",
    "投票时长": "vote_duration",
    "法定人数": "quorum",
    "通过比例": "threshold",
    "否决票": "blocks_allowed",
    "匿名意见": "anonymous_views",
    "无记名投票": "secret_ballot",
    "跟踪时间": "followup_offsets",
    "到期提醒": "due_reminder",
    "催办提醒": "turnout_reminder",
    "免打扰": "quiet_hours",
    "免打扰时段": "quiet_hours",
    "重新讨论比例": "reopen_share",
    "逾期重议": "overdue_reopen_after",
    "独立话题": "topic_threads",
    "显示姓名": "share_names",
    "会议提醒": "meeting_reminder",
    "代投": "proxy_under_secret",
    "结果回访": "escalation_check",
}
# The name /settings shows in a Chinese group's example for each key (the first alias).
ALIAS_OF = {key: alias for alias, key in reversed(SETTING_ALIASES.items())}


def setting_key(word: str) -> str | None:
    """The setting a convenor means: its key (threshold) or a Chinese name (通过比例); None
    for neither."""
    cleaned = fold(word).strip()
    if cleaned.lower() in SETTING_KEYS:
        return cleaned.lower()
    return SETTING_ALIASES.get(cleaned)


# Why a value was refused, as the group reads it: a full sentence with {value} (and {key}).
PROBLEMS = {
    "not_a_ratio": N_(
        "“{value}” is not a share: write it like 2/3, 67% or 0.5, or majority for more than half."
    ),
    "out_of_range": N_("“{value}” is not a share between 0 and 1: write it like 2/3, 67% or 0.5."),
    "head_count": N_("“{value}” is not a number of people between 1 and 100000."),
    "quorum": N_(
        "“{value}” is not a quorum: write a share like 1/3, a number of people like 10, or both like 1/3 max 10."
    ),
    "duration": N_("“{value}” is not a duration: write 90s, 15m, 36h or 3d."),
    "offsets": N_("“{value}” is not a list of times: write them like 7d,30d,90d (at most 10)."),
    "timezone": N_("“{value}” is not a time zone: write a name such as Asia/Shanghai."),
    "quiet_hours": N_("“{value}” is not quiet hours: write them like 22:00-08:00, or off."),
    "flag": N_("“{value}” is neither on nor off: write on or off."),
    "count": N_("“{value}” is not a number between 0 and 1000."),
    "language": N_("Choose a language: {choices}."),
}
_PROBLEM_OF_KEY = {
    "quorum": "quorum",
    "timezone": "timezone",
    "quiet_hours": "quiet_hours",
    "followup_offsets": "offsets",
    "blocks_allowed": "count",
    "language": "language",
}


def setting_problem(key: str, error: BaseException | None) -> str:
    """The message (a PROBLEMS msgid) for a value of `key` that pydantic refused with `error`
    (its ctx error, if any): a ratio's own kind, else by the setting's type or key."""
    if isinstance(error, RatioError) and key != "quorum":
        return PROBLEMS[error.kind]
    if isinstance(error, RatioError) and error.kind == "head_count":
        return PROBLEMS["head_count"]
    if key in _PROBLEM_OF_KEY:
        return PROBLEMS[_PROBLEM_OF_KEY[key]]
    annotation = GroupSettings.model_fields[key].annotation
    if annotation is timedelta:
        return PROBLEMS["duration"]
    if annotation is bool:
        return PROBLEMS["flag"]
    if annotation is int:
        return PROBLEMS["count"]
    return PROBLEMS["not_a_ratio"]


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
