"""The realistic mix: G groups x M members deliberate, in random order from a fixed seed.

Each group runs a few topics at once, each one a story from proposal to ratings: proposals,
seconds (button and command), acceptance, views (command, and button + ForceReply answer),
listings, drafts and amendments, a vote with ballots cast and changed (buttons and /ballot),
closing, action items, progress reports, done, and ratings cast and changed on the final card.
A story is a generator: it yields the next update (or a probe of the database, untimed) and is
sent back the bot messages that update produced, so button data always comes from the card as
the bot last left it.
"""

from __future__ import annotations

import cProfile
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Update

from bench.world import BenchWorld, Group, Person, ScheduleDriver

STANCES = {"support": "s", "oppose": "o", "concern": "c", "suggestion": "g"}
CHOICES = {"agree": "a", "abstain": "n", "disagree": "d"}
RATINGS = ("s", "p", "x")
WORDS = "修缮 水井 道路 路灯 预算 公开 村委会 集体 分摊 每户 年内 排水 垃圾 清运 绿化 停车".split()


@dataclass
class Step:
    payload: dict[str, Any] | None
    sticky: bool = False  # the same story goes on at once (a button press and its answer)


@dataclass
class Probe:
    fn: Callable[[], Awaitable[Any]]


Story = Generator[Step | Probe, Any, None]


def phrase(rng: random.Random, words: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(words))


def with_button(sent: list[dict[str, Any]], prefix: str) -> dict[str, Any] | None:
    for message in reversed(sent or []):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if str(button.get("callback_data", "")).startswith(prefix):
                    return message
    return None


def first_data(message: dict[str, Any], prefix: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if str(button.get("callback_data", "")).startswith(prefix):
                return button["callback_data"]
    raise LookupError(prefix)


def interleave_changes(
    rng: random.Random, people: list[Person], share: float
) -> list[tuple[Person, bool]]:
    """Each person acts once; a share of them change their mind later, at a random later point."""
    events: list[tuple[Person, bool]] = [(p, False) for p in people]
    for index, person in enumerate(people):
        if rng.random() < share:
            at = rng.randint(index + 1, len(events))
            events.insert(at, (person, True))
    return events


def topic_story(world: BenchWorld, g: Group, rng: random.Random) -> Story:
    conv, members = g.convenor, g.members
    g.topics_started += 1
    proposer = rng.choice(members)
    title = f"{phrase(rng, 3)} {g.topics_started}"
    sent = yield Step(g.says(proposer, f"/propose {title}\n{phrase(rng, 12)}"))
    card = with_button(sent, "sup:")
    if card is None:
        return
    number = int(first_data(card, "sup:").split(":")[1])

    # Seconds: the card's button, or /support.
    others = [m for m in members if m is not proposer]
    for person in rng.sample(others, k=min(len(others), rng.randint(1, 4))):
        if rng.random() < 0.6:
            yield Step(g.presses(person, card["message_id"], lambda d: d.startswith("sup:")))
        else:
            yield Step(g.says(person, f"/support {number}"))

    # A convenor accepts: the card's button or the command; a new card carries the view buttons.
    if rng.random() < 0.5:
        sent = yield Step(g.presses(conv, card["message_id"], lambda d: d.startswith("acc:")))
    else:
        sent = yield Step(g.says(conv, f"/accept {number}"))
    card = with_button(sent, "vw:")
    if card is None:
        return

    # Views: mostly /view, some through the stance button and a reply to the bot's question.
    for person in rng.sample(members, k=max(2, len(members) // 2)):
        stance = rng.choice(list(STANCES))
        text = phrase(rng, rng.randint(4, 20))
        if rng.random() < 0.3:
            code = STANCES[stance]
            sent = yield Step(
                g.presses(person, card["message_id"], lambda d, c=code: d.endswith(f":{c}")),
                sticky=True,
            )
            if sent:
                yield Step(g.says(person, text, reply_to=sent[-1]))
        else:
            yield Step(g.says(person, f"/view {number} {stance} {text}"))
        if rng.random() < 0.06:
            reader = rng.choice(members)
            if rng.random() < 0.5:
                yield Step(g.presses(reader, card["message_id"], lambda d: d.startswith("lst:")))
            else:
                yield Step(g.says(reader, rng.choice([f"/views {number}", "/topics"])))

    # Drafts: one, and an amendment as a reply to it.
    sent = yield Step(g.says(rng.choice(members), f"/draft {number} {phrase(rng, 15)}"))
    draft_no = 1
    if sent:
        yield Step(g.says(rng.choice(members), f"/amend {phrase(rng, 16)}", reply_to=sent[-1]))
        draft_no = 2
    if rng.random() < 0.3:
        yield Step(g.says(rng.choice(members), f"/drafts {number}"))

    # The vote: most press a button, some type /ballot; a fifth change their ballot later.
    sent = yield Step(g.says(conv, f"/vote {number} {draft_no}"))
    ballot = with_button(sent, "bal:")
    if ballot is None:
        return
    voters = rng.sample(g.everyone, k=max(1, int(len(g.everyone) * 0.8)))
    for person, _change in interleave_changes(rng, voters, 0.2):
        choice = rng.choices(list(CHOICES), weights=(80, 10, 10))[0]
        if rng.random() < 0.1:
            yield Step(g.says(person, f"/ballot {number} {choice}"))
        else:
            code = CHOICES[choice]
            yield Step(
                g.presses(
                    person,
                    ballot["message_id"],
                    lambda d, c=code: d.startswith("bal:") and d.endswith(f":{c}"),
                )
            )
    yield Step(g.says(conv, f"/close {number}"))
    status = yield Probe(lambda: topic_status(world, g.chat_id, number))
    if status != "adopted":
        return

    # Follow-up: actions owned by members who voted, progress reports, done, then ratings.
    actions: list[tuple[Person, int]] = []
    for owner in rng.sample([v for v in voters if v is not conv] or [conv], k=rng.randint(1, 2)):
        yield Step(g.says(conv, f"/action {number} 14d {phrase(rng, 6)} @{owner.username}"))
        action_no = yield Probe(lambda: last_action(world, g.chat_id))
        if action_no:
            actions.append((owner, action_no))
    if rng.random() < 0.3:
        yield Step(g.says(rng.choice(members), f"/actions {number}"))
    for owner, action_no in actions:
        for percent in sorted(rng.sample([20, 40, 60, 80], k=rng.randint(1, 2))):
            yield Step(g.says(owner, f"/progress A{action_no} {percent} {phrase(rng, 4)}"))
    final = None
    for owner, action_no in actions:
        sent = yield Step(g.says(owner, f"/done A{action_no} {phrase(rng, 3)}"))
        final = with_button(sent, "rate:") or final
    if final is None:
        return
    raters = rng.sample(g.everyone, k=max(1, int(len(g.everyone) * 0.6)))
    for person, _change in interleave_changes(rng, raters, 0.15):
        code = rng.choice(RATINGS)
        yield Step(g.presses(person, final["message_id"], lambda d, c=code: d.endswith(f":{c}")))


async def topic_status(world: BenchWorld, chat_id: int, number: int) -> str | None:
    async with world.rt.db.read() as tx:
        return await tx.scalar(
            "SELECT status FROM topics WHERE chat_id = ? AND number = ?", (chat_id, number)
        )


async def last_action(world: BenchWorld, chat_id: int) -> int | None:
    async with world.rt.db.read() as tx:
        return await tx.scalar("SELECT MAX(number) FROM actions WHERE chat_id = ?", (chat_id,))


def kind_of(payload: dict[str, Any]) -> str:
    if "callback_query" in payload:
        return "press " + payload["callback_query"]["data"].split(":")[0]
    text = payload["message"]["text"]
    return text.split()[0] if text.startswith("/") else "reply"


@dataclass
class MixResult:
    updates: int
    latencies: list[float]  # each update: from its batch's arrival to its own end
    batch_walls: list[float]  # each batch: from arrival to the end of its last update
    scheduled_work_seconds: float
    loop_seconds: float
    kinds: Counter[str]
    sequence: list[str] = field(default_factory=list)  # the kind of each update, in order
    recorded: list[dict[str, Any]] = field(default_factory=list)
    flushes: int = 0
    wakes: int = 0
    probes: int = 0

    @property
    def busy_seconds(self) -> float:
        """Time spent in the product: the batches' handling plus the scheduled card edits and
        wakes."""
        return sum(self.batch_walls) + self.scheduled_work_seconds


async def run_mix(
    world: BenchWorld,
    *,
    groups: int,
    members: int,
    updates: int,
    seed: int,
    rate: float = 10.0,
    in_flight: int = 2,
    batch: int = 1,
    record: bool = False,
    profiler: cProfile.Profile | None = None,
) -> MixResult:
    """Feed `updates` updates from `groups` new groups; `rate` updates per simulated second.

    `batch` is how many updates (of different groups) each getUpdates result carries: 1 is a
    quiet bot, where every update comes alone; `groups` is a saturated one, where updates
    wait at Telegram while the bot works and arrive together (so their units of work share
    group commits)."""
    rng = random.Random(seed)
    made = [world.group(members) for _ in range(groups)]
    driver = ScheduleDriver(world)
    slots: list[tuple[Group, Story]] = [
        (g, topic_story(world, g, rng)) for g in made for _ in range(in_flight)
    ]
    replies: list[Any] = [None] * len(slots)
    latencies: list[float] = []
    batch_walls: list[float] = []
    kinds: Counter[str] = Counter()
    sequence: list[str] = []
    recorded: list[dict[str, Any]] = []
    scheduled_work_seconds = 0.0
    probes = 0
    step = timedelta(seconds=1 / rate)
    next_second = world.clock.now() + timedelta(seconds=1)
    sticky: set[int] = set()
    loop_start = time.perf_counter()

    async def next_step(index: int) -> Step | None:
        """The story's next update, after its untimed probes; None when it has none now."""
        nonlocal probes
        while True:
            group, story = slots[index]
            try:
                item = story.send(replies[index])
            except StopIteration:
                slots[index] = (group, topic_story(world, group, rng))
                replies[index] = None
                continue
            if isinstance(item, Probe):
                probes += 1
                replies[index] = await item.fn()
                continue
            if item.payload is None:  # the button is gone (card retired): nothing to press
                replies[index] = []
                return None
            return item

    while len(latencies) < updates:
        # One getUpdates result: at most one update per group (so that each story's replies
        # are its own), sticky stories (a press and its answer) first, then in random order.
        order = sorted(sticky) + [i for i in rng.sample(range(len(slots)), len(slots))]
        sticky = set()
        taken: dict[int, tuple[int, Step, tuple[dict[str, Any], Update]]] = {}
        for index in order:
            if len(taken) >= min(batch, updates - len(latencies)):
                break
            group = slots[index][0]
            if id(group) in taken:
                continue
            item = await next_step(index)
            if item is None:
                continue
            data, update = world.update(item.payload)
            taken[id(group)] = (index, item, (data, update))
            if record:
                recorded.append(data)
            kind = kind_of(item.payload)
            kinds[kind] += 1
            sequence.append(kind)
        if not taken:
            continue
        if profiler is not None:
            profiler.enable()
        walls = await world.process_batch([received for _i, _s, received in taken.values()])
        if profiler is not None:
            profiler.disable()
        latencies.extend(walls)
        batch_walls.append(max(walls))
        for index, item, _update in taken.values():
            replies[index] = world.api.sent_in(slots[index][0].chat_id)
            if item.sticky:
                sticky.add(index)
        driver.observe()
        world.clock.advance(step * len(taken))
        while world.clock.now() >= next_second:
            next_second += timedelta(seconds=1)
            if profiler is not None:
                profiler.enable()
            start = time.perf_counter()
            await driver.check()
            scheduled_work_seconds += time.perf_counter() - start
            if profiler is not None:
                profiler.disable()
    # Let the last coalesced edits go out, as the JobQueue would within tally_refresh.
    world.clock.advance(world.rt.settings.limits.tally_refresh)
    start = time.perf_counter()
    await driver.check()
    scheduled_work_seconds += time.perf_counter() - start
    loop_seconds = time.perf_counter() - loop_start
    for story in (s for _g, s in slots):
        story.close()
    return MixResult(
        updates=len(latencies),
        latencies=latencies,
        batch_walls=batch_walls,
        scheduled_work_seconds=scheduled_work_seconds,
        loop_seconds=loop_seconds,
        kinds=kinds,
        sequence=sequence,
        recorded=recorded,
        flushes=driver.flushes,
        wakes=driver.wakes,
        probes=probes,
    )


async def db_census(world: BenchWorld) -> dict[str, Any]:
    """What the mix left in the database: proof that it exercised the whole loop."""
    out: dict[str, Any] = {}
    async with world.rt.db.read() as tx:
        for table in (
            "topics",
            "supporters",
            "views",
            "drafts",
            "votes",
            "ballots",
            "actions",
            "progress",
            "ratings",
            "history",
            "inbox",
        ):
            out[table] = await tx.scalar(f"SELECT COUNT(*) FROM {table}")
        out["changed_ballots"] = await tx.scalar("SELECT COUNT(*) FROM ballots WHERE changed > 0")
        rows = await tx.fetchall("SELECT status, COUNT(*) FROM topics GROUP BY status")
        out["topics_by_status"] = {r[0]: r[1] for r in rows}
        out["scheduled_pending"] = await tx.scalar(
            "SELECT COUNT(*) FROM scheduled WHERE done_at IS NULL"
        )
        out["synchronous"] = await tx.scalar("PRAGMA synchronous")
        out["journal_mode"] = await tx.scalar("PRAGMA journal_mode")
    return out
