"""两商衔接的每个新动作（发码、输码、解除衔接、指定/撤销联系委员、转交、接手、退回）：普通成员、
另一端群的召集人（在这里只是普通成员）、机器人、群外的人都被拒绝，记录一点不变；本群召集人可以做。"""

from __future__ import annotations

import re

import pytest

from bot.rules.permissions import TABLE, Action, Role, Verdict, Who, decide
from bot.rules.phases import Status
from tests.kit.story import World

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")
TABLES = (
    "links", "link_codes", "contacts", "referrals", "referral_events", "topics", "history",
    "scheduled", "consultations", "consultation_views",
)  # fmt: skip
REFUSALS = ("只有本群的召集人可以进行此操作。", "只有本群成员可以进行此操作。")


async def snapshot(world: World) -> dict[str, list]:
    async with world.rt.db.read() as tx:
        return {t: [tuple(r) for r in await tx.fetchall(f"SELECT * FROM {t}")] for t in TABLES}


async def stage(world: World):
    """委员之家 M（召集人 wang，成员 zhao）与东山村 V（召集人 chen）衔接；另一个委员之家 M2 发了一个
    码；V 的议题 #1 已受理，议题 #2 已转到 M（卡片等着接手）；zhao 在 V 里说过话。"""
    m = world.group("县政协委员之家")
    wang = m.convenor("wang")
    zhao = m.member("zhao")
    v = world.group("东山村")
    chen = v.convenor("chen")
    alice = v.member("alice")
    await wang.says("/link")
    await chen.says(f"/link {CODE.search(m.last_bot_message()['text']).group(0)}")
    m2 = world.group("镇委员工作站")
    sun = m2.convenor("sun")
    await sun.says("/link")
    code = CODE.search(m2.last_bot_message()["text"]).group(0)
    for title in ("修路", "修桥"):
        await alice.says(f"/propose {title}")
    await chen.says("/accept 1")
    await chen.says("/accept 2")
    await chen.says("/refer 2")
    card = m.last_bot_message()
    hello = await v.add(zhao).says("大家好")
    await zhao.says("/propose 全县推广垃圾分类")
    await wang.says("/accept 1")
    return {"M": m, "V": v, "wang": wang, "chen": chen, "code": code, "card": card, "hello": hello}


# (in which group, what: a command, or "press:<label>" on the referral card)
ACTS = {
    "issue code": ("M", "/link"),
    "enter code": ("V", "/link {code}"),
    "unlink": ("V", "/unlink"),
    "contact add": ("V", "reply:/contact add"),
    "contact remove": ("V", "/contact remove"),
    "refer": ("V", "/refer 1 请协调"),
    "take up": ("M", "press:接手"),
    "send back": ("M", "press:退回"),
    "consult": ("M", "/consult 1"),
}


def person_for(world: World, s: dict, where: str, who: str):
    group = s[where]
    if who == "member":
        return group.member("dora")
    if who == "other group's convenor":
        # The convenor of the other end of the link, a plain member here.
        return group.add(s["chen"] if where == "M" else s["wang"])
    if who == "bot":
        other = world.person("helperbot")
        other.user["is_bot"] = True
        return group.add(other)
    if who == "stranger":
        return group.add(world.person("stranger"), status="left")
    return s["wang"] if where == "M" else s["chen"]


async def act(s: dict, person, what: str):
    if what.startswith("press:"):
        return await person.presses(s["card"], what.split(":", 1)[1])
    if what.startswith("reply:"):
        return await person.replies_to(s["hello"], what.split(":", 1)[1])
    return await person.says(what.format(code=s["code"]))


@pytest.mark.parametrize("name", list(ACTS))
@pytest.mark.parametrize("who", ["member", "other group's convenor", "bot", "stranger"])
async def test_只有本群召集人能做_别人做什么也不变(world, name, who):
    s = await stage(world)
    where, what = ACTS[name]
    group = s[where]
    person = person_for(world, s, where, who)
    before = await snapshot(world)
    sent_before = len(group.sent())
    answer = await act(s, person, what)
    assert await snapshot(world) == before, f"{name} by {who} changed the record"
    if what.startswith("press:"):
        assert answer is not None and answer.params["text"] in REFUSALS, answer
        assert group.sent()[sent_before:] == []
    else:
        replies = [c.text for c in group.sent()[sent_before:]]
        assert len(replies) == 1 and replies[0] in REFUSALS, replies


@pytest.mark.parametrize("name", list(ACTS))
async def test_本群召集人能做(world, name):
    s = await stage(world)
    where, what = ACTS[name]
    person = person_for(world, s, where, "convenor")
    if name == "contact remove":
        await act(s, person, "reply:/contact add")
    before = await snapshot(world)
    await act(s, person, what)
    if name in ("unlink", "contact remove", "send back"):
        # A question first (buttons, or the reason): nothing changes until it is answered.
        assert await snapshot(world) == before
        return
    assert await snapshot(world) != before, f"{name} by the convenor did nothing"


def test_权限表里的新动作():
    for action in (
        Action.LINK,
        Action.UNLINK,
        Action.NAME_CONTACT,
        Action.REFER,
        Action.DECIDE_REFERRAL,
        Action.CONSULT,
    ):
        assert TABLE[action][0] is Who.CONVENOR
        status = Status.DELIBERATING if action in (Action.REFER, Action.CONSULT) else None
        assert decide(action, status, {Role.MEMBER, Role.CONVENOR}).allowed
        assert decide(action, status, {Role.MEMBER}).verdict is Verdict.WRONG_ROLE
        assert decide(action, status, {Role.BOT}).verdict is Verdict.NOT_A_MEMBER
        assert decide(action, status, {Role.OUTSIDER}).verdict is Verdict.NOT_A_MEMBER
        assert decide(action, status, {Role.MEMBER, Role.GROUP, Role.CONVENOR}).allowed
    # 受理以前、结束以后不能转交
    for status in (Status.PROPOSED, Status.DECLINED, Status.CLOSED, Status.MERGED):
        assert decide(Action.REFER, status, {Role.CONVENOR, Role.MEMBER}).verdict is (
            Verdict.WRONG_PHASE
        )
