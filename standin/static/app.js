// shangliang try: the page of the demo village. Plain JavaScript, no build step.
// It draws what the server says (GET /demo/state, then server-sent events from /demo/events)
// and sends what a visitor does (POST /demo/say, /demo/press, /demo/clock, /demo/reset, /demo/play).
"use strict";

const WORDS = {
  zh: {
    typingAs: "现在发言：", clock: "村里时间", play: "▶ 演示一遍", reset: "↺ 重来",
    records: "议事记录", exportJson: "下载 JSON 导出", help: "怎么试", minutes: "纪要 (.docx)",
    message: "写消息…", group: "群聊", privateWith: "与机器人的私聊", notStarted: "尚未打开",
    members: "5 位成员 + 机器人", replyingTo: "回复", noTopics: "还没有议题。",
    you: "你", edited: "已编辑", pinnedBar: "置顶消息", pinnedBy: (who, what) => `${who} 置顶了“${what}”`,
    general: "综合", threadBy: (who, what) => `${who} 创建了话题“${what}”`, closed: "已关闭", played: "演示结束。可以接着试，或点“重来”。",
    helpHtml:
      "<p>上面选谁在发言，然后在群里打字，比如 <code>/propose 修路</code>、<code>/help</code>。</p>" +
      "<p>按卡片上的按钮，就像在 Telegram 里一样；陈支书（★）是召集人。</p>" +
      "<p>时间按钮让机器人的时钟往前走：截止、提醒、跟进卡片都会出现。</p>",
  },
  en: {
    typingAs: "Typing as:", clock: "Village time", play: "▶ Play the example", reset: "↺ Reset",
    records: "Records", exportJson: "Download the JSON export", help: "How to try", minutes: "Minutes (.docx)",
    message: "Write a message…", group: "Group", privateWith: "private chat with the bot", notStarted: "not opened yet",
    members: "5 members + the bot", replyingTo: "Replying to", noTopics: "No topics yet.",
    you: "you", edited: "edited", pinnedBar: "Pinned message", pinnedBy: (who, what) => `${who} pinned “${what}”`,
    general: "General", threadBy: (who, what) => `${who} created the thread “${what}”`, closed: "closed", played: "The example is over. Go on trying, or press Reset.",
    helpHtml:
      "<p>Choose who is typing above, then write in the group, e.g. <code>/propose Fix the road</code> or <code>/help</code>.</p>" +
      "<p>Press the cards' buttons as in Telegram; Secretary Chen (★) is the convenor.</p>" +
      "<p>The clock buttons move the bot's clock: deadlines, reminders and follow-up cards come.</p>",
  },
};

const S = {
  lang: "zh", words: WORDS.zh, bot: {}, groupId: null, people: [], chats: [],
  messages: new Map(), // chat id -> Map(message id -> view)
  me: null, active: null, replyTo: new Map(), unread: new Map(), now: null, playing: false,
  pins: new Map(), // chat id -> pinned message ids, the newest last
  forum: false, threads: [], thread: null, threadUnread: new Set(), // a forum group's threads
};

const $ = (id) => document.getElementById(id);
const zone = "Asia/Shanghai";

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) toast(answer.error || response.statusText);
  return answer;
}

function person(id) { return S.people.find((p) => p.id === id); }
function chatOf(id) { return S.chats.find((c) => c.id === id); }
function isGroup(id) { return id === S.groupId; }

// ----- loading and live updates -----------------------------------------------------------------
async function load() {
  const state = await (await fetch("/demo/state")).json();
  S.lang = state.language; S.words = WORDS[S.lang] || WORDS.en; S.bot = state.bot;
  S.groupId = state.group_id; S.people = state.people; S.chats = state.chats; S.now = state.now;
  S.messages = new Map(S.chats.map((c) => [c.id, new Map()]));
  for (const m of state.messages) S.messages.get(m.chat_id)?.set(m.message_id, m);
  S.pins = new Map(Object.entries(state.pins || {}).map(([id, list]) => [Number(id), list]));
  S.forum = Boolean(state.forum); S.threads = state.threads || []; S.threadUnread.clear();
  if (!S.threads.some((t) => t.id === S.thread)) S.thread = null;
  if (S.me === null || !person(S.me)) S.me = S.people[1]?.id ?? S.people[0].id;
  if (S.active === null || !chatOf(S.active)) S.active = S.groupId;
  S.replyTo.clear(); S.unread.clear();
  document.documentElement.lang = S.lang;
  drawStatic(); drawPeople(); drawChats(); drawChat(); drawClock(); refreshRecords();
  S.playing = Boolean(state.playing);
  $("play").disabled = S.playing;
  $("narration").hidden = !S.playing;
}

function listen() {
  const source = new EventSource("/demo/events");
  source.onmessage = (event) => handle(JSON.parse(event.data));
  source.onerror = () => { /* the browser reconnects by itself */ };
  source.addEventListener("open", () => load());
}

function handle(event) {
  switch (event.type) {
    case "message": {
      const m = event.message;
      const chat = S.messages.get(m.chat_id);
      if (!chat) return;
      const fresh = !chat.has(m.message_id);
      chat.set(m.message_id, m);
      // While the example plays, the page follows it into the thread where it goes on.
      if (S.playing && fresh && m.chat_id === S.active && !shown(m) && !m.service) openThread(m.thread_id ?? null);
      if (m.chat_id === S.active && shown(m)) drawMessage(m, fresh);
      else if (m.chat_id === S.active) { if (fresh) { S.threadUnread.add(m.thread_id ?? null); drawThreads(); } }
      else if (fresh) bump(m.chat_id);
      if (m.chat_id === S.active && (S.pins.get(m.chat_id) || []).includes(m.message_id)) drawPinned();
      if (fresh && m.force_reply_for) askedOf(m);
      if (fresh && m.is_bot && !isGroup(m.chat_id)) markStarted(m.chat_id);
      refreshRecordsSoon();
      break;
    }
    case "delete": {
      S.messages.get(event.chat_id)?.delete(event.message_id);
      document.querySelector(`.msg[data-chat="${event.chat_id}"][data-id="${event.message_id}"]`)?.remove();
      refreshRecordsSoon();
      break;
    }
    case "threads":
      S.threads = event.threads;
      drawThreads();
      break;
    case "pins":
      S.pins.set(event.chat_id, event.pinned);
      if (event.chat_id === S.active) drawPinned();
      break;
    case "toast": {
      // Telegram shows a press's answer to the presser only: as they see it when they are the
      // one typing here, else as a small note with their name (never a modal alert).
      // While the example plays, nothing stops it: every answer is a note.
      const presser = person(event.user_id);
      if (S.playing && presser) toast(`${presser.name}: ${event.text}`);
      else if (!presser || presser.id === S.me) {
        if (event.alert) { $("alert-text").textContent = event.text; $("alert").showModal(); }
        else toast(event.text);
      } else toast(`${presser.name}: ${event.text}`);
      break;
    }
    case "clock": S.now = event.now; drawClock(); break;
    case "reset": load(); break;
    case "narration":
      $("narration").hidden = false;
      $("narration").textContent = `${event.step}/${event.of} · ${event.text}`;
      $("play").disabled = true;
      S.playing = true;
      if (S.active !== S.groupId) { S.active = S.groupId; drawChats(); drawChat(); }
      break;
    case "played":
      $("narration").textContent = event.error || S.words.played;
      $("play").disabled = false;
      S.playing = false;
      refreshRecords();
      break;
  }
}

function markStarted(chatId) {
  const p = person(chatId);
  if (p && !p.started) { p.started = true; drawChats(); }
}

// In a forum group, the open thread's messages only (General: those in no thread).
function shown(m) {
  return !(S.forum && isGroup(m.chat_id)) || (m.thread_id ?? null) === S.thread;
}

function openThread(id) {
  S.thread = id;
  S.threadUnread.delete(id);
  drawChat();
}

function drawThreads() {
  const bar = $("threads");
  bar.hidden = !(S.forum && isGroup(S.active));
  if (bar.hidden) return;
  bar.replaceChildren();
  for (const t of [{ id: null, name: S.words.general }, ...S.threads]) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "thread" + (t.id === S.thread ? " active" : "") + (S.threadUnread.has(t.id) ? " unread" : "");
    b.dataset.threadId = t.id ?? "";
    b.textContent = (t.id === null ? "# " : "💬 ") + t.name + (t.closed ? ` (${S.words.closed})` : "");
    b.onclick = () => openThread(t.id);
    bar.append(b);
  }
}

// A ForceReply question: the reply box goes to the person it asks, replying to it.
function askedOf(m) {
  if (m.chat_id !== S.active) return;
  if (!shown(m)) openThread(m.thread_id ?? null);
  if (m.force_reply_for && person(m.force_reply_for)) setMe(m.force_reply_for, false);
  S.replyTo.set(m.chat_id, m.message_id);
  drawReplying();
  if (m.placeholder) $("text").placeholder = m.placeholder;
  $("text").focus();
}

function bump(chatId) {
  S.unread.set(chatId, (S.unread.get(chatId) || 0) + 1);
  drawChats();
}

// ----- drawing ------------------------------------------------------------------------------------
function drawStatic() {
  const w = S.words;
  $("who-label").textContent = w.typingAs;
  $("clock-label").textContent = w.clock;
  $("play").textContent = w.play;
  $("reset").textContent = w.reset;
  $("records-title").textContent = w.records;
  $("export").textContent = w.exportJson;
  $("help-title").textContent = w.help;
  $("help").innerHTML = w.helpHtml;
  $("title").textContent = S.lang === "zh" ? "商量 · 试一试" : "Shangliang · try it";
}

function drawPeople() {
  const box = $("people");
  box.replaceChildren();
  for (const p of S.people) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = p.name;
    b.dataset.userId = p.id;
    b.setAttribute("role", "radio");
    b.setAttribute("aria-checked", String(p.id === S.me));
    if (p.convenor) b.classList.add("convenor");
    b.onclick = () => setMe(p.id, true);
    box.append(b);
  }
  $("composer-who").textContent = person(S.me)?.name || "";
}

// Choosing who types; in a private chat, their own chat with the bot opens.
function setMe(id, follow) {
  S.me = id;
  if (follow && !isGroup(S.active) && S.active !== id) { S.active = id; drawChats(); drawChat(); }
  drawPeople();
  drawMessagesSides();
}

function drawChats() {
  const nav = $("chats");
  nav.replaceChildren();
  for (const c of S.chats) {
    const item = document.createElement("div");
    item.className = "chat-item" + (c.id === S.active ? " active" : "");
    item.dataset.chatId = c.id;
    const unread = S.unread.get(c.id);
    const p = person(c.id);
    const sub = isGroup(c.id) ? S.words.group : S.words.privateWith + (p && !p.started ? ` · ${S.words.notStarted}` : "");
    item.innerHTML = `${unread ? `<span class="unread">${unread}</span>` : ""}<b></b><small></small>`;
    item.querySelector("b").textContent = isGroup(c.id) ? `👥 ${c.title}` : `👤 ${c.title}`;
    item.querySelector("small").textContent = sub;
    item.onclick = () => openChat(c.id);
    nav.append(item);
  }
}

function openChat(id) {
  S.active = id;
  S.unread.delete(id);
  if (!isGroup(id)) setMe(id, false);
  drawChats(); drawChat();
}

function drawChat() {
  const c = chatOf(S.active);
  $("chat-title").textContent = isGroup(c.id) ? c.title : `${c.title} ↔ ${S.bot.name}`;
  $("chat-sub").textContent = isGroup(c.id) ? S.words.members : `@${S.bot.username}`;
  $("text").placeholder = S.words.message;
  const box = $("messages");
  box.replaceChildren();
  const list = [...(S.messages.get(S.active)?.values() || [])]
    .filter(shown).sort((a, b) => a.message_id - b.message_id);
  for (const m of list) box.append(messageElement(m));
  box.scrollTop = box.scrollHeight;
  drawReplying();
  drawPinned();
  drawThreads();
}

// Telegram's bar under the chat's title: the newest pinned message, a click shows it.
function drawPinned() {
  const ids = S.pins.get(S.active) || [];
  const id = ids[ids.length - 1];
  const m = id !== undefined && S.messages.get(S.active)?.get(id);
  const bar = $("pinned");
  bar.hidden = !m;
  if (!m) return;
  $("pinned-label").textContent = S.words.pinnedBar;
  $("pinned-text").textContent = (m.text || "").split("\n")[0];
  bar.onclick = () => flash(S.active, id);
}

function drawMessagesSides() {
  for (const el of document.querySelectorAll(".msg")) {
    el.classList.toggle("mine", Number(el.dataset.from) === S.me);
  }
}

function drawMessage(m, fresh) {
  const box = $("messages");
  const old = box.querySelector(`.msg[data-chat="${m.chat_id}"][data-id="${m.message_id}"]`);
  const el = messageElement(m);
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  if (old) old.replaceWith(el);
  else {
    const after = [...box.querySelectorAll(".msg")].find((x) => Number(x.dataset.id) > m.message_id);
    if (after) box.insertBefore(el, after); else box.append(el);
  }
  if (fresh || atBottom) box.scrollTop = box.scrollHeight;
}

function time(seconds) {
  return new Intl.DateTimeFormat(S.lang === "zh" ? "zh-CN" : "en-GB", {
    timeZone: zone, hour: "2-digit", minute: "2-digit",
  }).format(new Date(seconds * 1000));
}

function messageElement(m) {
  const el = document.createElement("div");
  if (m.service) {
    el.className = "msg service";
    el.dataset.chat = m.chat_id; el.dataset.id = m.message_id; el.dataset.from = m.from_id;
    el.textContent = m.service === "thread" ? S.words.threadBy(m.from_name, m.text) : S.words.pinnedBy(m.from_name, m.text);
    return el;
  }
  el.className = "msg" + (m.is_bot ? " bot" : "") + (m.from_id === S.me ? " mine" : "");
  el.dataset.chat = m.chat_id; el.dataset.id = m.message_id; el.dataset.from = m.from_id;
  if (isGroup(m.chat_id) || m.is_bot) {
    const from = document.createElement("div");
    from.className = "from";
    from.textContent = m.from_name;
    el.append(from);
  }
  if (m.reply_to) {
    const q = document.createElement("div");
    q.className = "quote";
    const who = document.createElement("b"); who.textContent = m.reply_to.from_name;
    const what = document.createElement("span"); what.textContent = m.reply_to.text;
    q.append(who, what);
    q.onclick = () => flash(m.chat_id, m.reply_to.message_id);
    el.append(q);
  }
  if (m.document) {
    const d = document.createElement("div");
    d.className = "doc";
    const a = document.createElement("a");
    a.href = m.document.url; a.textContent = `📄 ${m.document.file_name}`; a.setAttribute("download", "");
    d.append(a);
    el.append(d);
  }
  const body = document.createElement("div");
  body.className = "body";
  if (m.html) body.append(telegramHtml(m.html)); else body.textContent = m.text;
  el.append(body);
  if (m.buttons && m.buttons.length) el.append(keyboard(m));
  if (m.reactions && m.reactions.length) {
    const r = document.createElement("div");
    r.className = "reactions";
    for (const e of m.reactions) { const s = document.createElement("span"); s.textContent = e; r.append(s); }
    el.append(r);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = (m.edited ? S.words.edited + " " : "") + time(m.date);
  el.append(meta);
  const reply = document.createElement("button");
  reply.className = "reply-btn"; reply.type = "button"; reply.title = S.words.replyingTo; reply.textContent = "↩";
  reply.onclick = () => { S.replyTo.set(m.chat_id, m.message_id); drawReplying(); $("text").focus(); };
  el.append(reply);
  return el;
}

function flash(chatId, messageId) {
  const el = document.querySelector(`.msg[data-chat="${chatId}"][data-id="${messageId}"]`);
  if (!el) return;
  el.scrollIntoView({ block: "center", behavior: "smooth" });
  el.classList.add("flash");
  setTimeout(() => el.classList.remove("flash"), 1200);
}

function keyboard(m) {
  const box = document.createElement("div");
  box.className = "keyboard";
  for (const row of m.buttons) {
    const r = document.createElement("div");
    r.className = "row";
    for (const b of row) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.text;
      if (b.callback_data !== undefined) {
        button.dataset.callback = b.callback_data;
        button.onclick = () => post("/demo/press", {
          user_id: S.me, chat_id: m.chat_id, message_id: m.message_id, data: b.callback_data,
        });
      } else if (b.url) {
        button.classList.add("url");
        button.onclick = () => openLink(b.url);
      }
      r.append(button);
    }
    box.append(r);
  }
  return box;
}

// Telegram's HTML subset, rebuilt element by element: nothing else reaches the page.
const ALLOWED = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "blockquote", "tg-spoiler", "span", "a"]);
function telegramHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const out = document.createDocumentFragment();
  const copy = (node, into) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) { into.append(child.textContent); continue; }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = child.tagName.toLowerCase();
      if (!ALLOWED.has(tag)) { copy(child, into); continue; }
      let el;
      if (tag === "a") {
        const href = child.getAttribute("href") || "";
        const user = /^tg:\/\/user\?id=(\d+)$/.exec(href);
        if (user) {
          el = document.createElement("span");
          el.className = "mention"; el.dataset.userId = user[1];
        } else {
          el = document.createElement("a");
          if (/^https?:\/\//.test(href)) {
            el.href = href; el.target = "_blank"; el.rel = "noopener";
            el.onclick = (e) => { if (deepLink(href) !== null) { e.preventDefault(); openLink(href); } };
          }
        }
      } else if (tag === "span") {
        el = document.createElement("span");
        if (child.getAttribute("class") === "tg-spoiler") el.className = "tg-spoiler";
      } else {
        el = document.createElement(tag);
      }
      copy(child, el);
      into.append(el);
    }
  };
  copy(template.content, out);
  return out;
}

// t.me/<bot>?start=<payload>: the private chat with the bot opens and /start <payload> is sent.
function deepLink(url) {
  const match = /^https?:\/\/t\.me\/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]{1,64})$/.exec(url);
  if (!match || match[1].toLowerCase() !== String(S.bot.username).toLowerCase()) return null;
  return match[2];
}

function openLink(url) {
  const payload = deepLink(url);
  if (payload === null) { window.open(url, "_blank", "noopener"); return; }
  openChat(S.me);
  post("/demo/say", { user_id: S.me, chat_id: S.me, text: `/start ${payload}` });
}

function drawReplying() {
  const id = S.replyTo.get(S.active);
  const m = id && S.messages.get(S.active)?.get(id);
  $("replying").hidden = !m;
  if (m) $("replying-text").textContent = `${S.words.replyingTo} ${m.from_name}: ${(m.text || "").slice(0, 60)}`;
}

function drawClock() {
  if (!S.now) return;
  $("now").textContent = new Intl.DateTimeFormat(S.lang === "zh" ? "zh-CN" : "en-GB", {
    timeZone: zone, month: "short", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit",
  }).format(new Date(S.now));
}

function toast(text) {
  const t = document.createElement("div");
  t.className = "toast"; t.textContent = text;
  $("toasts").append(t);
  setTimeout(() => t.remove(), 3500);
}

// ----- records ------------------------------------------------------------------------------------
let recordsTimer = null;
function refreshRecordsSoon() {
  clearTimeout(recordsTimer);
  recordsTimer = setTimeout(refreshRecords, 600);
}

async function refreshRecords() {
  const answer = await (await fetch("/demo/records")).json().catch(() => ({ topics: [] }));
  const box = $("topics");
  box.replaceChildren();
  if (!answer.topics || !answer.topics.length) { box.textContent = S.words.noTopics; return; }
  for (const t of answer.topics) {
    const el = document.createElement("div");
    el.className = "topic"; el.dataset.number = t.number; el.dataset.status = t.status;
    const title = document.createElement("div");
    const b = document.createElement("b"); b.textContent = `#${t.number} ${t.title}`;
    title.append(b);
    const phase = document.createElement("span"); phase.className = "phase"; phase.textContent = t.phase;
    const a = document.createElement("a");
    a.href = `/demo/minutes/${t.number}`; a.textContent = S.words.minutes; a.setAttribute("download", "");
    el.append(title, phase, document.createElement("br"), a);
    box.append(el);
  }
}

// ----- the composer and the controls ----------------------------------------------------------
$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  const reply = S.replyTo.get(S.active) || null;
  $("text").value = "";
  $("text").placeholder = S.words.message;
  S.replyTo.delete(S.active); drawReplying();
  const chat = isGroup(S.active) ? S.active : S.me;
  const thread = isGroup(S.active) && S.forum ? S.thread : null;
  await post("/demo/say", { user_id: S.me, chat_id: chat, text, reply_to: reply, thread });
});
$("replying-cancel").onclick = () => { S.replyTo.delete(S.active); drawReplying(); };
for (const b of document.querySelectorAll(".clock-step")) {
  b.onclick = () => post("/demo/clock", { hours: Number(b.dataset.hours) });
}
$("reset").onclick = () => post("/demo/reset");
$("play").onclick = () => { $("play").disabled = true; post("/demo/play"); };

listen();
