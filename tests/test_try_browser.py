"""`shangliang try` in a real browser (headless Chromium from the system's packages, driven by
Playwright): a villager proposes, the convenor accepts by the card's button, the village drafts
and votes by buttons, the clock moves a day (the result) and a week (the follow-up card), and a
villager rates it. The page is saved as a picture: to $SHANGLIANG_TRY_SCREENSHOT when set (the
README's docs/try.png is made so), else beside the test's files.

.ci/run installs chromium where it is missing; without it this test is skipped, saying so."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from standin.cast import GROUP_ID
from tests.kit.try_process import TryProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 20_000

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)",
    ),
]


@pytest.fixture
def demo(tmp_path):
    process = TryProcess(tmp_path).start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def page(demo):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900}, accept_downloads=True)
            page.set_default_timeout(WAIT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(demo.url)
            yield page
            assert not errors, f"the page's JavaScript failed: {errors}"
        finally:
            browser.close()


def typing_as(page, name: str) -> None:
    page.locator("#people button", has_text=name).click()
    page.wait_for_selector(f'#people button[aria-checked="true"]:has-text("{name}")')


def send(page, text: str) -> None:
    page.fill("#text", text)
    page.press("#text", "Enter")


def press(page, message, label: str) -> str:
    """Press the button `label` on `message`; the answer Telegram shows the presser: a toast,
    or an alert they close with OK."""
    page.evaluate("document.getElementById('toasts').replaceChildren()")
    message.locator("button", has_text=label).first.click()
    return answered(page)


def answered(page) -> str:
    """The answer to a press, as Telegram shows it: a toast, or an alert one closes with OK."""
    shown = page.locator(".toast, dialog#alert[open]").first
    shown.wait_for()
    text = shown.inner_text()
    if page.locator("dialog#alert[open]").count():
        page.locator("dialog#alert button").click()
        page.locator("dialog#alert[open]").wait_for(state="detached")
    return text


def with_button(page, label: str):
    """The newest message of the bot in the open chat with a button `label`."""
    card = page.locator(".msg.bot").filter(has=page.locator("button", has_text=label)).last
    card.wait_for()
    return card


def bot_card(page, text: str):
    """The newest message of the bot in the open chat that shows `text`."""
    card = page.locator(".msg.bot", has_text=text).last
    card.wait_for()
    return card


def test_a_deliberation_in_the_browser(demo, page, tmp_path):
    # The bot's welcome is there when the page opens.
    bot_card(page, "/propose")

    # A villager proposes a topic.
    typing_as(page, "王秀英")
    send(page, "/propose 修缮村口的路")
    card = with_button(page, "受理")
    assert "议题 #1：修缮村口的路" in card.inner_text()

    # The convenor accepts it by the card's button; views open on a new card.
    typing_as(page, "陈支书")
    assert "受理" in press(page, card, "受理")
    bot_card(page, "征集意见截止")

    # A draft, put to the vote for a day.
    typing_as(page, "王秀英")
    send(page, "/draft 1 秋收后修缮村口的路，村集体出材料费，每户出一天工。")
    bot_card(page, "草案 1")
    typing_as(page, "陈支书")
    send(page, "/vote 1 1 1天")
    ballot = with_button(page, "同意")

    # Three villagers vote by button; each press is answered (a toast or an alert).
    for name in ("王秀英", "刘德福", "李大姐"):
        typing_as(page, name)
        assert "同意" in press(page, ballot, "同意")
    page.wait_for_function(
        "[...document.querySelectorAll('.msg.bot')].some(m => /已投 3/.test(m.textContent))"
    )

    # A day later the vote has ended and the topic is adopted.
    page.locator(".clock-step", has_text="+1d").click()
    bot_card(page, "议题 #1 已通过")

    # The convenor gives the action to the villager who offered, replying to his message.
    typing_as(page, "刘德福")
    send(page, "我来组织大家出工。")
    offer = page.locator(".msg", has_text="我来组织大家出工。").last
    offer.wait_for()
    typing_as(page, "陈支书")
    offer.hover()
    offer.locator(".reply-btn").click()
    page.locator("#replying").wait_for(state="visible")
    send(page, "/action 1 14天 组织各户出工修路")
    bot_card(page, "A1 组织各户出工修路")

    # A week later the follow-up card asks the village how it goes; a villager rates it.
    page.locator(".clock-step", has_text="+7d").click()
    followup = with_button(page, "不满意")
    assert "跟踪反馈" in followup.inner_text()
    typing_as(page, "王秀英")
    assert "满意" in press(page, followup, "满意")
    page.wait_for_function(
        "[...document.querySelectorAll('.msg.bot')].some(m => /满意 1/.test(m.textContent))"
    )

    # The records panel: the topic's phase, and its minutes as a Word document.
    topic = page.locator('.topic[data-number="1"]')
    topic.wait_for()
    page.wait_for_selector('.topic[data-number="1"][data-status="following_up"]')
    with page.expect_download() as download:
        topic.locator("a", has_text="纪要").click()
    saved = tmp_path / "minutes.docx"
    download.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"

    shot = Path(os.environ.get("SHANGLIANG_TRY_SCREENSHOT") or tmp_path / "try.png")
    page.locator(".toast").last.wait_for(state="detached")
    page.locator("#messages").evaluate("box => { box.scrollTop = box.scrollHeight; }")
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


def test_a_question_gets_the_right_reply_box_and_a_deep_link_opens_the_private_chat(demo, page):
    """A stance button asks with ForceReply: the reply box goes to the member asked, replying
    to the question. A t.me link to the bot opens the presser's private chat and sends
    /start with its payload, as Telegram does."""
    bot_card(page, "/propose")
    typing_as(page, "王秀英")
    send(page, "/propose 村东头的路灯坏了")
    card = with_button(page, "受理")
    typing_as(page, "陈支书")
    press(page, card, "受理")
    views = with_button(page, "建议")

    # 李大姐 presses 💡 建议 (on her own screen) while 陈支书 types on this one: the question
    # the bot asks her moves the reply box to her, replying to it.
    data = views.locator("button", has_text="建议").first.get_attribute("data-callback")
    message_id = views.get_attribute("data-id")
    code, _ = demo.post(
        "demo/press",
        json.dumps(
            {"user_id": 8004, "chat_id": GROUP_ID, "message_id": int(message_id), "data": data}
        ).encode(),
        "application/json",
    )
    assert code == 200
    page.wait_for_selector('#people button[aria-checked="true"]:has-text("李大姐")')
    page.wait_for_selector("#replying:not([hidden])")
    assert "李大姐" in page.locator("#composer-who").inner_text()
    send(page, "请村委会先问问电工的价钱。")
    page.wait_for_selector('.msg.mine:has-text("请村委会先问问电工的价钱。") .quote')

    # 赵老汉 follows the deep link 🔔 提醒我: his private chat opens with /start <payload>.
    typing_as(page, "赵老汉")
    views.locator("button.url", has_text="提醒我").first.click()
    page.wait_for_selector('.chat-item.active:has-text("赵老汉")')
    page.wait_for_selector('.msg.mine:has-text("/start sub_")')
    answer = page.locator(".msg.bot").last
    answer.wait_for()
    assert "#1" in answer.inner_text()


def test_the_play_button_plays_the_example_to_the_follow_up(page):
    """▶ 演示一遍: the whole loop, narrated step by step, with no dialog stopping it."""
    bot_card(page, "/propose")
    page.locator("#play").click()
    page.wait_for_selector("#narration:has-text('1/')")
    page.wait_for_selector("#narration:has-text('演示结束')", timeout=90_000)
    assert page.locator("dialog#alert[open]").count() == 0
    followup = with_button(page, "不满意")
    assert "跟踪反馈" in followup.inner_text()
    page.wait_for_selector('.topic[data-number="1"][data-status="following_up"]')
    assert page.locator("#play").is_enabled()


@pytest.fixture
def forum_page(tmp_path):
    from playwright.sync_api import sync_playwright

    process = TryProcess(tmp_path, extra=["--forum"]).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1360, "height": 900})
                page.set_default_timeout(WAIT_MS)
                page.goto(process.url)
                yield page
            finally:
                browser.close()
    finally:
        process.stop()


def test_in_a_forum_group_an_accepted_topic_has_its_thread(forum_page):
    """`shangliang try --forum`: the accepted topic's thread appears as a tab; its card is
    there, and what a member writes in it goes there."""
    page = forum_page
    bot_card(page, "/propose")
    page.wait_for_selector("#threads:not([hidden]) .thread.active:has-text('综合')")
    typing_as(page, "王秀英")
    send(page, "/propose 修缮村口的路")
    card = with_button(page, "受理")
    typing_as(page, "陈支书")
    press(page, card, "受理")
    tab = page.locator("#threads .thread", has_text="#1 修缮村口的路")
    tab.click()
    page.wait_for_selector("#threads .thread.active:has-text('#1 修缮村口的路')")
    bot_card(page, "征集意见截止")
    typing_as(page, "李大姐")
    send(page, "/view 1 support 早该修了")
    page.wait_for_selector(".msg.mine:has-text('早该修了')")
    page.locator("#threads .thread", has_text="综合").click()
    assert page.locator(".msg:has-text('早该修了')").count() == 0
