"""Restarts, redelivered updates, upgraded groups and a removed bot: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio

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
    """Telegram sends an update again after a restart (its confirmation was lost)."""
    group = world.group()
    alice = group.member("alice")
    message = alice.message(group.chat, "/propose Repair the road")
    update = await world.feed({"message": {k: v for k, v in message.items() if k != "html"}})
    await world.restart()
    world.push(update)
    await world.settle()
    async with world.rt.db.read() as tx:
        topics = await topic_repo.list_topics(tx, group.chat_id)
    assert [t.title for t in topics] == ["Repair the road"]
    assert sum("Repair the road" in t for t in group.texts()) == 1


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
    """The inbox stored it and Telegram considers it delivered; the process died before
    handling it. The next start handles it, once, and marks it handled."""
    group = world.group()
    alice = group.member("alice")
    lane = world.rt.lanes.lane(group.chat_id)
    await lane.__aenter__()  # the chat is busy: what arrives now waits in its lane
    message = alice.message(group.chat, "/propose Light the square")
    pushed = world.push({"message": {k: v for k, v in message.items() if k != "html"}})
    await world.stored(pushed)
    async with world.rt.db.read() as tx:
        waiting = await tx.scalar("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL")
    assert waiting == 1
    # The process dies: its tasks and memory are gone, the database stays as it is.
    await crash(world)
    await lane.__aexit__(None, None, None)
    await world.boot()
    assert "Light the square" in group.last_bot_message()["text"]
    async with world.rt.db.read() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM topics") == 1
        assert await tx.scalar("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL") == 0


async def crash(world) -> None:
    """Like SIGKILL for the in-process bot: polling stops, the database connection closes with
    nothing more written, and the application is dropped without finishing its work."""
    app = world.app
    await world.rt.db.close(optimize=False)
    me = asyncio.current_task()
    dying = [t for t in asyncio.all_tasks() if t is not me]
    for task in dying:
        task.cancel()
    await asyncio.gather(*dying, return_exceptions=True)
    world.app = None
    await app.stop()  # only releases what python-telegram-bot holds; nothing is handled
    await app.shutdown()
    world.errors.clear()
