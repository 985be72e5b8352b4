""" "Play the example": a whole deliberation in the demo village, step by step, as its people
would do it on the page (propose → second → accept → views → draft → vote → result → action →
follow-up), each step narrated to the page and given time to be seen."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from standin.botapi import BOT_ID
from standin.cast import CONVENOR, GROUP_ID, LI, LIU, WANG, ZHAO, Villager
from standin.demo import Demo, DemoError

log = logging.getLogger(__name__)

# Seconds between two steps: long enough to read a card, short enough to see the loop in a
# minute.
PAUSE = 1.6

Action = Callable[[Demo], Awaitable[Any]]


@dataclass(frozen=True)
class Step:
    zh: str
    en: str
    actions: tuple[Action, ...]


def says(person: Villager, zh: str, en: str) -> Action:
    async def act(demo: Demo) -> Any:
        return await demo.say(person.user_id, GROUP_ID, zh if demo.language == "zh" else en)

    act.texts = (zh, en)  # type: ignore[attr-defined]  (what it says, for the README's test)
    return act


def replies(person: Villager, to: Villager, zh: str, en: str) -> Action:
    """`person` replies in the group to the latest message of `to`."""

    async def act(demo: Demo) -> Any:
        original = _latest(demo, lambda m: (m.get("from") or {}).get("id") == to.user_id)
        text = zh if demo.language == "zh" else en
        return await demo.say(person.user_id, GROUP_ID, text, original["message_id"])

    act.texts = (zh, en)  # type: ignore[attr-defined]
    return act


def presses(person: Villager, prefix: str, code: str = "") -> Action:
    """`person` presses the newest button in the group whose callback data is `prefix:…`
    (and ends with `:code`): language-free, as bot/callbacks.py builds them."""

    async def act(demo: Demo) -> Any:
        def has(message: dict[str, Any]) -> bool:
            return _button(message, prefix, code) is not None

        message = _latest(demo, lambda m: (m.get("from") or {}).get("id") == BOT_ID and has(m))
        data = _button(message, prefix, code)
        return await demo.press(person.user_id, GROUP_ID, message["message_id"], data)

    return act


def waits(hours: int) -> Action:
    async def act(demo: Demo) -> Any:
        return await demo.advance(timedelta(hours=hours))

    return act


def _button(message: dict[str, Any], prefix: str, code: str) -> str | None:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard") or []:
        for button in row:
            data = str(button.get("callback_data") or "")
            if data.startswith(prefix + ":") and (not code or data.endswith(":" + code)):
                return data
    return None


def _latest(demo: Demo, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    found = [
        m
        for (chat_id, _), m in sorted(demo.api.messages.items(), key=lambda kv: kv[0][1])
        if chat_id == GROUP_ID and wanted(m)
    ]
    if not found:
        raise DemoError("the example lost its way (no such message in the group)")
    return found[-1]


EXAMPLE: tuple[Step, ...] = (
    Step(
        "① 王秀英提出议题",
        "① Wang Xiuying proposes a topic",
        (
            says(
                WANG,
                "/propose 修缮村口的路\n下雨天路上全是泥，老人孩子出门难。",
                "/propose Repair the road at the village gate\n"
                "When it rains the road is all mud; the old and the young can hardly get out.",
            ),
        ),
    ),
    Step("② 刘德福附议", "② Liu Defu seconds it", (presses(LIU, "sup"),)),
    Step(
        "③ 陈支书受理，开始征集意见",
        "③ Secretary Chen accepts it: views are open",
        (presses(CONVENOR, "acc"),),
    ),
    Step(
        "④ 村民发表意见",
        "④ Villagers give their views",
        (
            says(
                LI,
                "/view 1 support 早该修了，我家出两天工。",
                "/view 1 support About time. My family gives two days' work.",
            ),
            says(
                ZHAO,
                "/view 1 concern 钱从哪里来？别让每户摊太多。",
                "/view 1 concern Where does the money come from? Not too much per household.",
            ),
        ),
    ),
    Step(
        "⑤ 王秀英起草共识",
        "⑤ Wang Xiuying drafts the wording",
        (
            says(
                WANG,
                "/draft 1 秋收后修缮村口的路：村集体出材料费，每户出一天工，账目张榜公布。",
                "/draft 1 After the harvest we repair the road at the gate: the village fund "
                "pays the materials, each household gives a day's work, the accounts go on "
                "the notice board.",
            ),
        ),
    ),
    Step(
        "⑥ 陈支书发起表决（1 天）",
        "⑥ Secretary Chen puts it to the vote (1 day)",
        (says(CONVENOR, "/vote 1 1 1天", "/vote 1 1 1d"),),
    ),
    Step(
        "⑦ 大家投票",
        "⑦ Everyone votes",
        (
            presses(WANG, "bal", "a"),
            presses(LIU, "bal", "a"),
            presses(LI, "bal", "a"),
            presses(ZHAO, "bal", "n"),
        ),
    ),
    Step("⑧ 一天以后：表决结果", "⑧ A day later: the result", (waits(24),)),
    Step(
        "⑨ 陈支书把事项交给刘德福",
        "⑨ Secretary Chen gives Liu Defu the action",
        (
            says(LIU, "我来组织大家出工。", "I will organise the work days."),
            replies(
                CONVENOR,
                LIU,
                "/action 1 14天 组织各户出工修路",
                "/action 1 14d Organise the households' work days on the road",
            ),
        ),
    ),
    Step(
        "⑩ 七天以后：跟进卡片，村民评价",
        "⑩ Seven days later: the follow-up card, and villagers rate it",
        (waits(168), presses(WANG, "rate", "s"), presses(ZHAO, "rate", "p")),
    ),
)


class Player:
    """Plays `EXAMPLE` on a demo, one run at a time; the page hears each step's narration as
    {"type": "narration", "step": i, "of": n, "text": ...} and {"type": "played"} at the end."""

    def __init__(self, demo: Demo, pause: float = PAUSE) -> None:
        self.demo = demo
        self.pause = pause
        self._task: asyncio.Task | None = None

    @property
    def playing(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> bool:
        """Start playing on a fresh village; False if it is already playing."""
        if self.playing:
            return False
        self._task = asyncio.create_task(self._play(), name="shangliang-try-example")
        return True

    async def cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _play(self) -> None:
        demo = self.demo
        try:
            await demo.reset()
            await demo.settle()
            for number, step in enumerate(EXAMPLE, 1):
                text = step.zh if demo.language == "zh" else step.en
                demo.publish(
                    {"type": "narration", "step": number, "of": len(EXAMPLE), "text": text}
                )
                for action in step.actions:
                    await action(demo)
                    await demo.settle()
                    await asyncio.sleep(self.pause / 2)
                await asyncio.sleep(self.pause / 2)
            demo.publish({"type": "played"})
        except DemoError as exc:
            log.warning("the example stopped: %s", exc)
            demo.publish({"type": "played", "error": str(exc)})
