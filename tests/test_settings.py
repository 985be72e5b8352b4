"""Durations, ratios and quorums as people write them, and a group's settings as convenors set them."""

from __future__ import annotations

from datetime import time, timedelta
from fractions import Fraction

import pytest
from pydantic import ValidationError

from bot.durations import DurationError, format_duration, parse_duration
from bot.group_settings import SETTING_KEYS, GroupSettings
from bot.ratios import Quorum, RatioError, parse_quorum, parse_ratio


# ----- durations ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("36h", timedelta(hours=36)),
        ("3d", timedelta(days=3)),
        ("1d12h", timedelta(hours=36)),
        ("2w", timedelta(days=14)),
        ("1h30m", timedelta(minutes=90)),
        (" 3D ", timedelta(days=3)),
        ("1d 12h", timedelta(hours=36)),
        (90, timedelta(seconds=90)),
        (timedelta(hours=2), timedelta(hours=2)),
    ],
)
def test_durations_as_people_write_them(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "3x", "0s", "0d0h", "-1d", "3", "d", "1.5h", "3d-", "h3", "1234567s", True]
)
def test_what_is_not_a_duration_is_refused(text):
    with pytest.raises(DurationError):
        parse_duration(text)


def test_a_duration_error_is_a_value_error_that_shows_the_input():
    with pytest.raises(ValueError, match="'3x'"):
        parse_duration("3x")
    with pytest.raises(ValueError, match="longer than zero"):
        parse_duration("0s")


@pytest.mark.parametrize(
    ("value", "spelt"),
    [
        (timedelta(seconds=90), "1m30s"),
        (timedelta(minutes=15), "15m"),
        (timedelta(hours=36), "1d12h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=14), "14d"),
        (timedelta(0), "0s"),
    ],
)
def test_durations_are_spelt_back_shortest_and_exact(value, spelt):
    assert format_duration(value) == spelt
    if value:
        assert parse_duration(format_duration(value)) == value


# ----- ratios and quorums ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2/3", Fraction(2, 3)),
        ("67%", Fraction(67, 100)),
        ("0.5", Fraction(1, 2)),
        ("50 %", Fraction(1, 2)),
        ("1", Fraction(1)),
        ("0", Fraction(0)),
        ("100%", Fraction(1)),
        (" 1 / 3 ", Fraction(1, 3)),
    ],
)
def test_ratios_as_convenors_write_them(text, expected):
    assert parse_ratio(text) == expected


@pytest.mark.parametrize(
    "text", ["3/2", "150%", "1.5", "-1/3", "-5%", "two thirds", "", "1/0", "%"]
)
def test_ratios_out_of_range_or_unreadable_are_refused(text):
    with pytest.raises(RatioError):
        parse_ratio(text)


def test_a_quorum_is_a_share_or_a_head_count():
    assert parse_quorum("1/3") == Quorum(share=Fraction(1, 3))
    assert parse_quorum("40%") == Quorum(share=Fraction(2, 5))
    assert parse_quorum("5") == Quorum(count=5)
    assert parse_quorum(" 12 ") == Quorum(count=12)


@pytest.mark.parametrize("text", ["0", "100001", "150%", "-3", "many"])
def test_bad_quorums_are_refused(text):
    with pytest.raises(RatioError):
        parse_quorum(text)


@pytest.mark.parametrize(
    ("quorum", "eligible", "required"),
    [
        ("1/3", 10, 4),  # 3.33 ballots round up: never fewer than a third
        ("1/3", 9, 3),  # exactly a third
        ("1/3", 1, 1),
        ("2/3", 200, 134),
        ("50%", 7, 4),
        ("0.5", 8, 4),
        ("100%", 13, 13),
        ("0%", 50, 1),  # a vote needs at least one ballot
        ("1/3", 0, 1),  # nobody known yet: still one ballot
        ("5", 3, 5),  # a head count does not shrink with the group
        ("5", 500, 5),
    ],
)
def test_quorum_required_rounds_up(quorum, eligible, required):
    assert parse_quorum(quorum).required(eligible) == required


# ----- a group's settings ---------------------------------------------------------------------
def test_defaults_are_as_documented():
    settings = GroupSettings()
    assert settings.language == "zh"
    assert settings.zone().key == "Asia/Shanghai"
    assert settings.views_duration == timedelta(days=3)
    assert settings.followup_offsets == [timedelta(days=7), timedelta(days=30), timedelta(days=90)]
    assert settings.quiet_window() == (time(22, 0), time(8, 0))
    dumped = settings.model_dump(mode="json")
    assert dumped["views_duration"] == "3d" and dumped["followup_offsets"] == ["7d", "30d", "90d"]
    assert set(SETTING_KEYS) == set(dumped)


def test_settings_survive_a_round_trip_through_json():
    settings = GroupSettings(
        language="en", vote_duration="1d12h", followup_offsets="7d,30d", quiet_hours="off"
    )
    again = GroupSettings.model_validate(settings.model_dump(mode="json"))
    assert again == settings
    assert again.model_dump(mode="json")["vote_duration"] == "1d12h"


@pytest.mark.parametrize("zone", ["Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires"])
def test_known_time_zones_are_accepted(zone):
    assert GroupSettings(timezone=zone).zone().key == zone


@pytest.mark.parametrize("zone", ["Mars/Base", "", "Asia/Shanghai/", "../../etc/passwd", "+08:00"])
def test_unknown_time_zones_are_refused(zone):
    with pytest.raises(ValidationError, match="time zone"):
        GroupSettings(timezone=zone)


@pytest.mark.parametrize(
    ("text", "stored", "window"),
    [
        ("22:00-08:00", "22:00-08:00", (time(22), time(8))),
        ("7:30-9:00", "7:30-9:00", (time(7, 30), time(9))),
        (" 12:00 - 14:00 ", "12:00-14:00", (time(12), time(14))),
        ("off", "off", None),
        ("OFF", "off", None),
        ("none", "off", None),
    ],
)
def test_quiet_hours(text, stored, window):
    settings = GroupSettings(quiet_hours=text)
    assert settings.quiet_hours == stored
    assert settings.quiet_window() == window


@pytest.mark.parametrize("text", ["24:00-08:00", "22:00", "22-08", "22:60-08:00", "late", ""])
def test_bad_quiet_hours_are_refused(text):
    with pytest.raises(ValidationError, match="quiet hours"):
        GroupSettings(quiet_hours=text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("on", True),
        ("ON", True),
        ("yes", True),
        ("true", True),
        ("1", True),
        ("开", True),
        ("是", True),
        (True, True),
        ("off", False),
        ("no", False),
        ("false", False),
        ("0", False),
        ("关", False),
        ("否", False),
        (False, False),
    ],
)
def test_flags_on_and_off_in_both_languages(text, value):
    assert GroupSettings(anonymous_views=text).anonymous_views is value
    assert GroupSettings(secret_ballot=text).secret_ballot is value


@pytest.mark.parametrize("text", ["maybe", "开关", "2", ""])
def test_unclear_flags_are_refused(text):
    with pytest.raises(ValidationError):
        GroupSettings(secret_ballot=text)


@pytest.mark.parametrize(
    ("text", "offsets"),
    [
        ("7d,30d", [timedelta(days=7), timedelta(days=30)]),
        ("30d, 7d", [timedelta(days=7), timedelta(days=30)]),  # sorted
        ("7d,7d,1w", [timedelta(days=7)]),  # duplicates dropped
        ("36h", [timedelta(hours=36)]),
        (["2d", "1d"], [timedelta(days=1), timedelta(days=2)]),
        ("", []),
    ],
)
def test_followup_offsets(text, offsets):
    assert GroupSettings(followup_offsets=text).followup_offsets == offsets


@pytest.mark.parametrize("text", ["7d,3x", "7d;30d", "0s", ",".join(f"{n}d" for n in range(1, 12))])
def test_bad_followup_offsets_are_refused(text):
    with pytest.raises(ValidationError):
        GroupSettings(followup_offsets=text)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("language", "fr"),
        ("quorum", "150%"),
        ("quorum", "0"),
        ("threshold", "3/2"),
        ("reopen_share", "half"),
        ("blocks_allowed", -1),
        ("blocks_allowed", 1001),
        ("vote_duration", "3x"),
        ("due_reminder", "-1d"),
        ("colour", "blue"),
    ],
)
def test_bad_values_are_refused(key, value):
    with pytest.raises(ValidationError):
        GroupSettings(**{key: value})


def test_assignment_is_validated_too():
    settings = GroupSettings()
    settings.threshold = " 75% "
    assert settings.threshold == "75%"
    with pytest.raises(ValidationError):
        settings.timezone = "Mars/Base"
    assert settings.timezone == "Asia/Shanghai"
