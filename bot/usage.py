"""How each command is used, said to a member who typed it incompletely: a short sentence and a
real example ("请写上议题编号、草案编号，也可以写上表决时长。例如：/vote 1 2 3天"), never a
programmer's pattern (``/vote N draft-number [duration]``).

Every example is one a member could send as it stands: tests/test_usage_examples.py runs each
one, in both languages, back through the bot and sees it accepted. The example is the text after
"For example: " (例如：) up to the end or to a bracket that explains it.
"""

from __future__ import annotations

from bot.errors import UserError
from bot.i18n import N_

USAGE: dict[str, str] = {
    "support": N_("Say which topic you second. For example: /support 1"),
    "withdraw": N_("Say which of your topics you take back. For example: /withdraw 1"),
    "accept": N_(
        "Say which topic to accept; you may add how long views and the vote last. For example: /accept 1 3d 2d"
    ),
    "decline": N_(
        "Say which topic and why it is declined. For example: /decline 1 the township decides this"
    ),
    "merge": N_(
        "Say which topic goes into which. For example: /merge 2 1 (topic #2 goes into topic #1)"
    ),
    "end": N_("Say which topic to close. For example: /end 1"),
    "escalate": N_(
        "Say which topic, where it goes (mediation, or court: the shared court) and why. For example: /escalate 1 mediation the two sides cannot agree"
    ),
    "round": N_(
        "Say which topic, and whether views or drafts come again; you may add how long. For example: /round 1 views 3d"
    ),
    "topic": N_("Say which topic to show. For example: /topic 1"),
    "view": N_(
        "Say which topic and what you think. For example: /view 1 support the road needs fixing"
    ),
    "views": N_("Say which topic's views to list. For example: /views 1"),
    "editview": N_(
        "Say the topic, the number of your view and its new text. For example: /editview 1 2 first the road, then the lamps"
    ),
    "retract": N_("Say the topic and the number of your view. For example: /retract 1 2"),
    "draft": N_(
        "Say the topic and the wording you propose. For example: /draft 1 Repair the road at the village entrance this year."
    ),
    "drafts": N_("Say which topic's drafts to list. For example: /drafts 1"),
    "vote": N_(
        "Say the topic and the draft; you may add how long the vote lasts. For example: /vote 1 2 3d"
    ),
    "ballot": N_(
        "Say the topic and your choice: agree, abstain, disagree, or block with a reason. For example: /ballot 1 agree"
    ),
    "close": N_("Say which topic's vote ends now. For example: /close 1"),
    "extend": N_("Say which topic and how much longer. For example: /extend 1 1d (one more day)"),
    "action": N_(
        "Reply to the owner's message (or name @owner) with the topic, the due date and what is to be done. For example: /action 1 3/31 ask the township for the permit"
    ),
    "actions": N_("Say which topic's actions to list. For example: /actions 1"),
    "progress": N_(
        "Say the action, how far it is in per cent, and a note if you like. For example: /progress A1 60 half the lamps are up"
    ),
    "done": N_(
        "Say which action is done, and a note if you like. For example: /done A1 all lamps are up"
    ),
    "drop": N_(
        "Say the action and why it is dropped. For example: /drop A1 the township does it now"
    ),
    "reopen": N_("Say which topic to reopen. For example: /reopen 1"),
    "subscribe": N_("Say which topic to follow. For example: /subscribe 1"),
    "unsubscribe": N_("Say which topic to stop following. For example: /unsubscribe 1"),
    "minutes": N_("Say which topic's minutes you want. For example: /minutes 1"),
    "language": N_("Choose the group's language. For example: /language zh (Chinese)"),
    "settings": N_("Say the setting and its new value. For example: /settings quorum 5"),
}


def usage(command: str) -> UserError:
    """The refusal that shows how `command` (a key of USAGE) is used, to raise."""
    return UserError(USAGE[command])


def usage_text(command: str) -> str:
    """The message id of `command`'s usage (to hand to code that raises it itself)."""
    return USAGE[command]
