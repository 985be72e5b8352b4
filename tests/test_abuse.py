"""Secrets stay secret, and any text people send is shown safely and within Telegram's limits."""

from __future__ import annotations

import logging
import re

from bot.export import build_export
from tests.kit.fake_api import html_to_plain


async def test_secret_ballot_leaves_no_choice_anywhere(world, caplog):
    caplog.set_level(logging.DEBUG)
    group = world.group()
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    await chen.says("/settings secret_ballot on")
    # The bot may remove members' messages: it is an administrator with that right.
    world.api.set_bot_rights(group.chat_id, can_delete_messages=True)
    people = [group.member(n, language="en") for n in ("alice", "bob", "carol", "dora")]
    await people[0].says("/propose Move the market")
    await chen.says("/accept 1 1h 1h")
    await people[0].says("/draft 1 Move it to the square.")
    await chen.says("/vote 1 1")
    ballot = group.last_bot_message()
    since = len(world.api.calls)
    await people[0].presses(ballot, "Agree")
    await people[1].presses(ballot, "Disagree")
    said = await people[2].says("/ballot 1 disagree too far")
    await people[3].says_privately("/start")
    await people[3].presses(ballot, "Block")  # asked privately under secret ballot
    await people[3].says_privately("not here", reply_to=people[3].last_private_message())
    await world.run_due()
    await chen.says("/close 1")

    names = [p.name for p in people]
    group_texts = [
        c.params.get("text", "")
        for c in world.api.calls[since:]
        if c.method in ("sendMessage", "editMessageText") and c.chat_id == group.chat_id
    ]
    for text in group_texts:  # from the ballot card on, the group never sees a voter's name
        plain = html_to_plain(text)
        if plain.startswith("Topic #1: Move the market\n"):
            continue  # the topic card names its proposer, which is public
        assert not any(name in plain for name in names), plain
    assert "not here" in " ".join(group_texts)  # the minority note keeps the reason, nameless
    # The command that showed a choice was removed from the group.
    assert (group.chat_id, said["message_id"]) not in world.api.messages
    for record in caplog.records:
        line = record.getMessage()
        assert not re.search(r"\b(agree|disagree|abstain|block)\b", line), line
    async with world.rt.db.read() as tx:
        doc = (await build_export(tx, {}, group.chat_id, world.clock.now())).document
    vote = doc["chats"][0]["topics"][0]["votes"][0]
    assert "ballots" not in vote and vote["tally"] == {
        "agree": 1,
        "abstain": 0,
        "disagree": 2,
        "block": 1,
    }
    assert vote["voters"] == sorted(p.id for p in people)


async def test_unicode_and_long_lists_stay_within_telegram_limits(world):
    group = world.group()
    chen = group.convenor("chen", language="en")
    await chen.says("/language en")
    alice = group.member("alice", language="en")
    title = "修路 🛣️ שלום\u200b<b>&"
    await alice.says(f"/propose {title}")
    card = group.last_bot_message()
    assert title in card["text"]  # shown as written, not interpreted as HTML
    await chen.says("/accept 1 3d 1d")
    tricky = "意见&<tag> مرحبا \u200f\u200d🙂 " * 60  # escaping makes it longer than it looks
    for _ in range(12):
        await alice.says(f"/view 1 concern {tricky[:1990]}")
    before = len(world.api.calls_of("sendMessage", group.chat_id))
    await alice.says("/views 1")
    sent = [c.text for c in world.api.calls_of("sendMessage", group.chat_id)[before:]]
    # Twelve long views do not fit in one message: two pages, the header on the first, every
    # view listed once and in order.
    assert len(sent) == 2, [html_to_plain(t)[:80] for t in sent]
    assert html_to_plain(sent[0]).startswith("Views on topic #1")
    numbers = [int(n) for text in sent for n in re.findall(r"^([0-9]+)\. ", text, re.M)]
    assert numbers == list(range(1, 13)), numbers
    for text in sent:
        assert len(html_to_plain(text)) <= 4096
        # Every tag that opens is closed in the same message: nothing cut inside markup.
        opened = re.findall(r"<(b|i|blockquote)>", text)
        closed = re.findall(r"</(b|i|blockquote)>", text)
        assert sorted(opened) == sorted(closed), text[:200]
    async with world.rt.db.read() as tx:
        stored = await tx.scalar("SELECT COUNT(*) FROM views")
    assert stored == 12


async def test_too_long_text_is_refused_politely_and_nothing_is_stored(world):
    group = world.group()
    alice = group.member("alice")
    await alice.says("/propose " + "长" * 121)
    assert "太长" in group.last_bot_message()["text"]
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM topics") == 0
