"""两商衔接: linking a members' group (委员之家) with village groups, and a village's contact
members (每个委员都是一个平台).

Which group is a members' group: the one whose convenor asks for a code with /link. A link has
two ends, the group that issued its code (the members' group of that link) and the group that
entered it (the village); a group may issue codes to many villages, and a village may enter
codes of several members' groups. There is no other mark and no setting: what a group is, it is
by its links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import UserError
from bot.i18n import N_
from bot.rules.links import CODE_LIFETIME, CodeVerdict, code_hash, judge_code, new_code, read_code
from bot.rules.permissions import Action
from bot.rules.phases import OPEN
from bot.runtime import Runtime
from bot.services import consultations, referrals
from bot.services.chats import ChatContext, load_chat
from bot.services.common import Actor, authorize, run_unit
from bot.services.kinds import LINK_NOTICE
from storage import Tx, schedule
from storage import chats as chat_repo
from storage import links as repo
from storage import topics as topic_repo
from storage.links import ContactRow, LinkRow
from storage.schedule import Job
from storage.topics import TopicRow

CODE_EXAMPLE = N_("For example: /link K7QM-3XHP (the code the members' group's convenor got).")
CODE_TEXT = {
    CodeVerdict.UNKNOWN: N_(
        "I do not know the code “{code}”: it may be mistyped. Ask the members' group's convenor to check it, or to send /link there for a new one."
    ),
    CodeVerdict.USED: N_(
        "The code “{code}” has been used already: each code links one group. Ask the members' group's convenor for a new one (/link there)."
    ),
    CodeVerdict.EXPIRED: N_(
        "The code “{code}” has expired (a code is valid for 24 hours). Ask the members' group's convenor for a new one (/link there)."
    ),
    CodeVerdict.SAME_GROUP: N_(
        "A group cannot be linked to itself: send /link {code} in the village group, not here."
    ),
}


# A link joins a members' group (it issued the code) and a village (it entered it); a group is
# not both: a village side of a live link issues no codes, a members' side enters none.
VILLAGE_CANNOT_ISSUE = N_(
    "This group is a village group linked with the members' group “{group}”, so it cannot give link codes: codes come from a members' group (委员之家). To send a topic up, a convenor here uses /refer N."
)
MEMBERS_CANNOT_ENTER = N_(
    "This group is a members' group (委员之家): villages such as “{group}” are linked with it, so it cannot enter a code itself. A code is entered in a village group; send /link here to get one for a village."
)
ISSUER_IS_VILLAGE = N_(
    "The code “{code}” comes from a group that is now a village group itself, so it cannot link. Ask the members' group (委员之家) for a code: its convenor sends /link there."
)


@dataclass(frozen=True)
class Issued:
    code: str
    expires_at: datetime


async def issue_code(rt: Runtime, chat_id: int, actor: Actor) -> Issued:
    """A one-time code (bot.rules.links) for a village group to link with this group, which is
    the members' group of the link it makes. Only a convenor; valid CODE_LIFETIME; only its hash
    is stored. Raises UserError for anyone else."""
    authorize(Action.LINK, None, actor)
    now = rt.clock.now()
    code = new_code()
    expires = now + CODE_LIFETIME

    async def work(tx: Tx) -> Issued:
        ups = await repo.members_links(tx, chat_id)
        if ups:
            raise UserError(VILLAGE_CANNOT_ISSUE, group=ups[0].members_title)
        await repo.add_code(tx, code_hash(code), chat_id, actor.user_id, now, expires)
        return Issued(code, expires)

    return await run_unit(rt, actor, work)


async def enter_code(rt: Runtime, chat_id: int, actor: Actor, typed: str) -> LinkRow:
    """A village convenor enters a members' group's code: the two are linked (village: this
    group). Raises UserError, changing nothing, for a non-convenor, a text that is no code, an
    unknown, used or expired code, the issuing group itself, groups already linked, a group that
    is the members' side of a live link, or a code from a group that is a village side now."""
    authorize(Action.LINK, None, actor)
    code = read_code(typed)
    if code is None:
        raise UserError(
            N_("“{text}” is not a link code: a code has 8 letters and digits, like K7QM-3XHP."),
            text=typed[:20],
        )
    now = rt.clock.now()

    async def work(tx: Tx) -> LinkRow:
        row = await repo.code_by_hash(tx, code_hash(code))
        verdict = judge_code(
            row is not None,
            row.members_chat_id if row else None,
            row is not None and row.used_at is not None,
            row.expires_at if row else None,
            chat_id,
            now,
        )
        if verdict is not CodeVerdict.OK:
            raise UserError(CODE_TEXT[verdict], code=code)
        downs = [
            link for link in await repo.live_links(tx, chat_id) if link.members_chat_id == chat_id
        ]
        if downs:
            raise UserError(MEMBERS_CANNOT_ENTER, group=downs[0].village_title)
        if await repo.members_links(tx, row.members_chat_id):
            raise UserError(ISSUER_IS_VILLAGE, code=code)
        existing = await repo.live_between(tx, row.members_chat_id, chat_id)
        if existing is not None:
            raise UserError(
                N_(
                    "This group and “{group}” are linked already. The code was not used; it stays valid for another group."
                ),
                group=existing.members_title
                if existing.members_chat_id != chat_id
                else existing.village_title,
            )
        if not await repo.use_code(tx, row.id, chat_id, now):
            raise UserError(CODE_TEXT[CodeVerdict.USED], code=code)
        link_id = await repo.add_link(tx, row.members_chat_id, chat_id, row.id, actor.user_id, now)
        # The members' group hears of it by a schedule row: a restart loses no notice.
        await schedule.add(tx, row.members_chat_id, LINK_NOTICE, link_id, now, {"event": "linked"})
        return await repo.get_link(tx, link_id)

    return await run_unit(rt, actor, work)


async def links_of(rt: Runtime, chat_id: int) -> list[LinkRow]:
    """The group's live links, at either end (anyone may list them)."""
    return await rt.db.view(lambda tx: repo.live_links(tx, chat_id))


async def unlink_choices(rt: Runtime, chat_id: int, actor: Actor) -> list[LinkRow]:
    """What a convenor may end: the group's live links. Raises UserError for anyone else."""
    authorize(Action.UNLINK, None, actor)
    return await links_of(rt, chat_id)


async def unlink(rt: Runtime, chat_id: int, actor: Actor, link_id: int) -> LinkRow:
    """A convenor of either end ends the link; the records stay (the link, its referrals). The
    village's contact members who were named as members of that members' group are no longer
    its contact members; its referrals still waiting for an answer and its open consultations
    end (referrals.end_with_link, consultations.end_with_link). Raises UserError when the link is not this group's or has ended."""
    authorize(Action.UNLINK, None, actor)
    now = rt.clock.now()

    async def work(tx: Tx) -> LinkRow:
        link = await repo.get_link(tx, link_id)
        if link is None or chat_id not in (link.members_chat_id, link.village_chat_id):
            raise UserError(N_("This link is not one of this group's."))
        if not await repo.end_link(tx, link.id, actor.user_id, chat_id, now):
            raise UserError(N_("This link has ended already."))
        other = link.village_chat_id if link.members_chat_id == chat_id else link.members_chat_id
        await schedule.add(tx, other, LINK_NOTICE, link.id, now, {"event": "ended"})
        # What waited on the link ends with it: referrals not answered, consultations open.
        await referrals.end_with_link(tx, rt, link, actor.user_id, now)
        await consultations.end_with_link(tx, rt, link, actor.user_id, now)
        for contact in await repo.contacts_of_village(tx, link.village_chat_id):
            if contact.members_chat_id == link.members_chat_id:
                await repo.remove_contact(
                    tx, link.village_chat_id, contact.user_id, actor.user_id, now
                )
        return await repo.get_link(tx, link.id)

    return await run_unit(rt, actor, work)


# ----- contact members ---------------------------------------------------------------------------
async def members_groups(rt: Runtime, village_chat_id: int) -> list[LinkRow]:
    """The village's live links to members' groups."""
    return await rt.db.view(lambda tx: repo.members_links(tx, village_chat_id))


def check_may_name_contact(actor: Actor) -> None:
    """Before asking Telegram anything: only a convenor names or removes contact members."""
    authorize(Action.NAME_CONTACT, None, actor)


async def add_contact(
    rt: Runtime, village_chat_id: int, actor: Actor, user_id: int, members_chat_id: int
) -> bool:
    """Name `user_id`, a member of the linked members' group `members_chat_id` (the edge asked
    Telegram), as a contact member of this village. False when they are one already. Raises
    UserError when that group is no longer linked to this village."""
    authorize(Action.NAME_CONTACT, None, actor)
    now = rt.clock.now()

    async def work(tx: Tx) -> bool:
        linked = {link.members_chat_id for link in await repo.members_links(tx, village_chat_id)}
        if members_chat_id not in linked:
            raise UserError(N_("That members' group is no longer linked to this group."))
        return await repo.add_contact(
            tx, village_chat_id, user_id, members_chat_id, actor.user_id, now
        )

    return await run_unit(rt, actor, work)


async def remove_contact(rt: Runtime, village_chat_id: int, actor: Actor, user_id: int) -> bool:
    """False when they were not a contact member of this village."""
    authorize(Action.NAME_CONTACT, None, actor)
    now = rt.clock.now()
    return await run_unit(
        rt,
        actor,
        lambda tx: repo.remove_contact(tx, village_chat_id, user_id, actor.user_id, now),
    )


async def contacts(rt: Runtime, village_chat_id: int) -> list[ContactRow]:
    return await rt.db.view(lambda tx: repo.contacts_of_village(tx, village_chat_id))


async def contact_by_id(rt: Runtime, contact_id: int) -> ContactRow | None:
    """A standing contact member by their row id (a remove button carries it)."""
    return await rt.db.view(lambda tx: repo.get_contact(tx, contact_id))


@dataclass(frozen=True)
class Served:
    """A village a contact member serves, and its open topics."""

    chat_id: int
    title: str
    topics: list[TopicRow]


async def villages_served(rt: Runtime, user_id: int) -> list[Served]:
    """/mygroups: the villages `user_id` is a contact member of, each with its open topics."""
    statuses = tuple(s.value for s in OPEN)

    async def work(tx: Tx) -> list[Served]:
        served = []
        for contact in await repo.villages_of_contact(tx, user_id):
            chat = await chat_repo.get_chat(tx, contact.village_chat_id)
            open_topics = await topic_repo.list_topics(tx, contact.village_chat_id, statuses)
            served.append(Served(contact.village_chat_id, chat.title if chat else "", open_topics))
        return served

    return await rt.db.view(work)


async def topic_for_contact(rt: Runtime, user_id: int, chat_id: int, number: int) -> TopicRow:
    """A contact member opens a topic of a village they serve (the deep link of their notice).
    Raises UserError when they are not (any more) its contact member, or there is no such topic."""

    async def work(tx: Tx) -> TopicRow:
        if not await repo.is_contact(tx, chat_id, user_id):
            raise UserError(N_("This link is for the contact members of that group only."))
        topic = await topic_repo.get_topic(tx, chat_id, number)
        if topic is None:
            raise UserError(N_("There is no topic #{number} in this group."), number=number)
        return topic

    return await rt.db.view(work)


@dataclass(frozen=True)
class Notice:
    """The line a LINK_NOTICE row posts in the other group."""

    chat: ChatContext
    link: LinkRow
    event: str  # "linked" | "ended"


async def notice_due(rt: Runtime, job: Job) -> Notice | None:
    """The LINK_NOTICE row runs: the line to post, or None (row finished) when the group or the
    link is gone."""
    now = rt.clock.now()

    async def work(tx: Tx) -> Notice | None:
        chat = await load_chat(tx, rt, job.chat_id)
        link = await repo.get_link(tx, job.ref_id)
        if chat is None or link is None:
            await schedule.finish(tx, job.id, now, False, outcome="obsolete")
            return None
        return Notice(chat, link, str(job.payload.get("event", "linked")))

    return await rt.db.run(work)


async def notice_posted(rt: Runtime, job: Job, late: bool) -> bool:
    now = rt.clock.now()
    return await rt.db.run(lambda tx: schedule.finish(tx, job.id, now, late))
