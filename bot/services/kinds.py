"""The kinds of schedule rows, in one place: every service that adds, cancels or runs a row
names its kind from here, so that no service has to import another to learn it."""

from __future__ import annotations

# The views of a topic close (a notice; drafting goes on).
VIEWS_CLOSE = "views_close"
# A vote's deadline: it closes and its result is decided.
VOTE_CLOSE = "vote_close"
# Before the views or the vote close: those who took part and have not yet given a view or cast
# a ballot are reminded (views: ref_id = topic id; vote: ref_id = vote id; bot/services/turnout.py).
VIEWS_REMIND = "views_remind"
VOTE_REMIND = "vote_remind"
# The result card of a closed vote.
POST_RESULT = "post_result"
# A follow-up offset after adoption: the topic's living card is posted anew and a rating round
# opens (the only rows that open one).
FOLLOWUP = "followup"
# An action's due date is near; it has passed (one line each, pointing to the living card); it
# has long passed (the convenors are asked about reopening). None of them opens a round.
DUE_SOON = "due_soon"
OVERDUE = "overdue"
OVERDUE_REOPEN = "overdue_reopen"
# An owner's private reminder of an open action: the day before it is due, and on the day
# (ref_id = action id; payload "when": "eve" or "day"). Only owners who started the bot get it.
OWNER_REMINDER = "owner_reminder"

# The private comments on a topic's ratings not yet sent to its convenors: one row pending per
# topic at a time, added with a comment (ref_id = topic id; bot/services/followup/digest.py). It
# outlives the topic's end: comments on the final round reach the convenors too.
COMMENT_DIGEST = "comment_digest"

# Rows about a topic (ref_id = topic id) that go when the topic ends.
ENDS_WITH_TOPIC = (VIEWS_CLOSE, VIEWS_REMIND, FOLLOWUP)
# Follow-up rows about a topic, and about its actions (ref_id = action id).
FOLLOWUP_TOPIC_KINDS = (FOLLOWUP,)
# The action rows that post a notice in the group; every row about an action.
ACTION_CARD_KINDS = (DUE_SOON, OVERDUE, OVERDUE_REOPEN)
ACTION_KINDS = (*ACTION_CARD_KINDS, OWNER_REMINDER)

# A topic's own forum thread follows its status: closed when the topic ends, reopened with it
# (ref_id = topic id; bot/services/threads.py).
TOPIC_THREAD = "topic_thread"

# A card the group could not take when it was due (the bot may not post there for now): posted
# once the chat takes messages again (ref_id = topic id, vote id; bot/services/waiting.py).
TOPIC_CARD = "topic_card"
BALLOT_CARD = "ballot_card"

# A refusal the bot answered a command with in a group: deleted a minute later, with the refused
# command (ref_id = the refusal's message id; bot/services/quiet.py).
TIDY_REFUSAL = "tidy_refusal"

# 两商衔接 (issue 13; storage/referrals.py adds the report and contact rows with the history row
# that calls for them): a referral card for a members' group (ref_id = referral id); a line to
# the village about its referred topic (ref_id = referral id); a village's new topic told
# privately to its contact members (ref_id = topic id).
REFERRAL_CARD = "referral_card"
REFERRAL_REPORT = "referral_report"
CONTACT_TOPIC = "contact_topic"
# The line telling the other end of a link that it was made or ended (ref_id = link id;
# payload "event": "linked" | "ended").
LINK_NOTICE = "link_notice"
# A consultation card for a village (ref_id = consultation id; storage/consultations.py).
CONSULT_CARD = "consult_card"
# Issue 13: before an offline meeting, the group and those coming are reminded (ref_id = meeting
# id; bot/services/meetings.py); a while after a matter was escalated to mediation or a court,
# the convenors are asked how it was settled (ref_id = escalation id; bot/services/escalations.py).
MEETING_REMIND = "meeting_remind"
# When a meeting begins its card loses its answer buttons and asks for the record (ref_id =
# meeting id).
MEETING_BEGINS = "meeting_begins"
# A meeting card the group could not take, waiting for it (bot/services/waiting.py; ref_id =
# meeting id).
MEETING_CARD = "meeting_card"
ESCALATION_CHECK = "escalation_check"
