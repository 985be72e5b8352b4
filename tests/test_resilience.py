"""Restarts, redelivered updates, upgraded groups and a removed bot: nothing lost, nothing twice."""

from __future__ import annotations

from storage import schedule
from storage import topics as topic_repo
from storage import votes as vote_repo


async def open_vote(world, group, members):
    chen = group.convenor("chen")
    await chen.says("/language en")
    alice = members[0]
    await alice.says("/propose Mend the bridge")
    await chen.says("/accept 1 1d 2h")
    await alice.says("/draft 1 Mend it before the rains.")
    await chen.says("/vote 1 1")
    return chen, group.last_bot_message()


async def test_restart_in_the_middle_of_a_vote_keeps_ballots_and_deadline(world):
    group = world.group()
    members = [group.member(n, language="en") for n in ("alice", "bob", "carol")]
    _chen, ballot = await open_vote(world, group, members)
    await members[0].presses(ballot, "Agree")
    await members[1].presses(ballot, "Agree")

    await world.restart()
    await members[2].presses(ballot, "Agree")
    await members[1].presses(ballot, "Disagree")  # changed after the restart
    await world.advance(hours=3)

    async with world.rt.db.read() as tx:
        topic = await topic_repo.get_topic(tx, group.chat_id, 1)
        vote = await vote_repo.current_vote(tx, topic.id)
        counts = await vote_repo.tally(tx, vote.id)
        pending = await tx.fetchall("SELECT kind FROM scheduled WHERE done_at IS NULL")
    # What is left is the follow-up of the adopted wording (7d, 30d, 90d).
    assert sorted(r["kind"] for r in pending) == ["followup"] * 3
    assert counts == {"agree": 2, "disagree": 1}
    assert topic.status == "adopted"
    results = [t for t in group.texts() if "adopted: Mend the bridge" in t]
    assert len(results) == 1


async def test_overdue_deadline_fires_once_at_start_and_is_marked_late(world):
    group = world.group()
    members = [group.member(n, language="en") for n in ("alice", "bob")]
    _chen, ballot = await open_vote(world, group, members)
    await members[0].presses(ballot, "Agree")
    await world.stop()
    world.clock.advance(__import__("datetime").timedelta(hours=5))
    await world.boot()  # start-up runs what fell due while the bot was down
    await world.run_due()
    async with world.rt.db.read() as tx:
        rows = await tx.fetchall(
            "SELECT kind, late, outcome FROM scheduled WHERE kind = 'vote_close'"
        )
    assert [(r["kind"], r["late"], r["outcome"]) for r in rows] == [("vote_close", 1, "done")]
    assert sum("adopted: Mend the bridge" in t for t in group.texts()) == 1


async def test_redelivered_update_is_not_handled_twice(world):
    group = world.group()
    alice = group.member("alice")
    message = alice.message(group.chat, "/propose Repair the road")
    update = {"update_id": 777, "message": {k: v for k, v in message.items() if k != "html"}}
    from telegram import Update

    await world.app.process_update(Update.de_json(update, world.app.bot))
    await world.restart()
    await world.app.process_update(Update.de_json(update, world.app.bot))
    async with world.rt.db.read() as tx:
        topics = await topic_repo.list_topics(tx, group.chat_id)
    assert [t.title for t in topics] == ["Repair the road"]


async def test_group_upgraded_to_supergroup_keeps_its_records(world):
    group = world.group()
    members = [group.member(n, language="en") for n in ("alice", "bob")]
    await open_vote(world, group, members)
    new_id = group.chat_id - 5000
    world.api.add_chat(new_id, "supergroup", group.title)
    await world.feed(
        {
            "message": {
                "message_id": 9999,
                "date": 0,
                "chat": group.chat,
                "migrate_to_chat_id": new_id,
            }
        }
    )
    async with world.rt.db.read() as tx:
        moved = await topic_repo.get_topic(tx, new_id, 1)
        pending = await tx.fetchall("SELECT chat_id FROM scheduled WHERE done_at IS NULL")
        assert await topic_repo.get_topic(tx, group.chat_id, 1) is None
    assert moved is not None and moved.title == "Mend the bridge"
    assert {r["chat_id"] for r in pending} == {new_id}


async def test_removed_bot_pauses_the_group_schedule_until_added_back(world):
    group = world.group()
    members = [group.member(n, language="en") for n in ("alice", "bob")]
    _chen, ballot = await open_vote(world, group, members)
    await members[0].presses(ballot, "Agree")
    bot_user = world.api.bot_user

    def change(status):
        return {
            "my_chat_member": {
                "chat": group.chat,
                "from": members[0].user,
                "date": 0,
                "old_chat_member": {"status": "member", "user": bot_user},
                "new_chat_member": {
                    "status": status,
                    "user": bot_user,
                    **({"until_date": 0} if status == "kicked" else {}),
                },
            }
        }

    world.api.set_status(group.chat_id, bot_user["id"], "left")
    await world.feed(change("left"))
    await world.advance(hours=3)
    assert not any("adopted" in t for t in group.texts())
    async with world.rt.db.read() as tx:
        assert await schedule.pending_count(tx) == 1

    world.api.set_status(group.chat_id, bot_user["id"], "member")
    await world.feed(change("member"))
    assert sum("adopted: Mend the bridge" in t for t in group.texts()) == 1
    async with world.rt.db.read() as tx:
        late = await tx.scalar("SELECT late FROM scheduled WHERE kind = 'vote_close'")
    assert late == 1


async def test_update_received_but_not_handled_is_replayed_after_a_crash(world):
    """The poller confirms updates to Telegram before they are handled; the inbox keeps them."""
    import asyncio

    from telegram import Update

    group = world.group()
    alice = group.member("alice")
    message = alice.message(group.chat, "/propose Light the square")
    public = {k: v for k, v in message.items() if k not in ("html", "asked")}
    await world.app.update_queue.put(
        Update.de_json({"update_id": 41, "message": public}, world.app.bot)
    )
    # The bot stops before handling it: the in-memory queue is gone with it.
    await world.stop()
    await world.boot()
    app = world.app
    await app.start()
    try:
        for _ in range(200):
            if group.bot_messages():
                break
            await asyncio.sleep(0.01)
    finally:
        await app.stop()
    assert "Light the square" in group.last_bot_message()["text"]
    await world.app.update_queue.flush()
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM topics") == 1
        assert await tx.scalar("SELECT COUNT(*) FROM inbox") == 0
