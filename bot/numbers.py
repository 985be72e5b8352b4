"""Numbers as members type them: one rule for every number a command or a setting takes.

The rule
--------
1. *Fold* the text: each full-width form of an ASCII character (U+FF01 to U+FF5E: ``０``-``９``,
   ``＃``, ``％``, ``Ａ``-``Ｚ``, ``：``, ``－`` ...) becomes that ASCII character, and the
   ideographic space U+3000 a plain space. A Chinese keyboard in full-width mode types these.
2. Strip the spaces around it.
3. What is left must be ASCII: the digits ``0``-``9`` (at most :data:`MAX_DIGITS`, leading
   zeros allowed) with only the marks the kind of number allows:

   ========================  ======================  =============================
   kind                      marks                   accepted, e.g.
   ========================  ======================  =============================
   topic numbers             an optional leading #   ``3``, ``#3``, ``＃３``
   draft numbers             optional ``草案`` or    ``2``, ``#2``, ``草案2``,
                             ``draft``, then ``#``   ``草案#2``, ``draft2``
   view numbers              none                    ``2``, ``２``
   action numbers            optional ``#``, then    ``A3``, ``a3``, ``#A3``, ``Ａ３``,
                             optional ``A``/``a``    ``3``
   percentages (0 to 100)    an optional trailing %  ``40``, ``40%``, ``４０％``
   ========================  ======================  =============================

Why folding and not Unicode NFKC: on every character folding changes, NFKC gives the same
result, so an accepted text always reads the same after NFKC normalisation. But NFKC also turns
characters nobody types as a number into digits: superscripts (``²`` becomes ``2``), circled
digits (``①``), mathematical digits (``𝟐``). Those are refused, as are other scripts' decimal
digits (Arabic-Indic ``٣``) that ``str.isdigit`` and ``int`` accept. Said with NFKC: a text is
refused when its NFKC form differs from its fold, or when its fold does not have the shape above.
Signs (``-5``), decimals (``2.5``) and spaces inside (``1 2``) are refused too.

Chinese numerals
----------------
Where a number is written in words (durations ``三天``, ``两周``, ``十二小时``; drafts ``草案二``,
``第二稿``; dates ``三月三十一日``; topics ``第一个``, never a bare ``一``), :func:`everyday` first
writes each run of Chinese numerals (``零〇一二两三四五六七八九十百千``, below ten thousand) in
digits, after folding. Only those readers use it: a view or action number is typed in digits.

Topic numbers may also be said as ``1号``, ``第1个``, ``第1号`` or ``议题1``; draft numbers as
``第2稿``, ``第2版``, ``2号草案``.

Each ``read_*`` function returns the number, or None for a text that breaks the rule; the
other functions raise a :class:`~bot.errors.UserError` that quotes the text, for a command to
answer politely ("“²” is not a topic number.").
"""

from __future__ import annotations

import re

from bot.errors import UserError
from bot.i18n import N_

MAX_DIGITS = 9  # below 2**31: safe for SQLite and for Telegram's callback data
QUOTE_MAX = 40  # how much of a refused text the answer quotes

_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20

_WHOLE = re.compile(rf"([0-9]{{1,{MAX_DIGITS}}})")
_DIGITS = rf"([0-9]{{1,{MAX_DIGITS}}})"
_TOPIC = re.compile(rf"#?{_DIGITS}")
# Said the way people say it; only here may the number be in words (第一个, not a bare 一).
_TOPIC_SAID = re.compile(rf"{_DIGITS}号|第{_DIGITS}(?:个|号)?(?:议题)?|议题 ?#?{_DIGITS}")
_DRAFT = re.compile(
    rf"(?:(?:草案|draft) ?)?#?{_DIGITS}|第{_DIGITS}(?:稿|版|个草案|号草案)|{_DIGITS}号草案",
    re.IGNORECASE,
)
_ACTION = re.compile(rf"#?[Aa]?([0-9]{{1,{MAX_DIGITS}}})")
_PERCENT = re.compile(r"([0-9]{1,3})%?|百分之([0-9]{1,3})")
_DIGIT_WORDS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGIT_WORDS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNIT_WORDS = {"十": 10, "百": 100, "千": 1000}
_NUMERALS = re.compile("[" + "".join(_DIGIT_WORDS) + "".join(_UNIT_WORDS) + "]+")


def fold(text: str) -> str:
    """Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space as plain ASCII."""
    return text.translate(_FOLD)


def _numeral(run: str) -> str:
    """One run of Chinese numerals in digits: 十二 12, 二十 20, 一百零五 105, 两 2; a run
    without 十百千 is read digit by digit (二〇二六 2026)."""
    if not any(ch in _UNIT_WORDS for ch in run):
        return "".join(str(_DIGIT_WORDS[ch]) for ch in run)
    total = current = 0
    for ch in run:
        if ch in _DIGIT_WORDS:
            current = _DIGIT_WORDS[ch]
        else:
            total += (current or 1) * _UNIT_WORDS[ch]
            current = 0
    return str(total + current)


def everyday(text: str) -> str:
    """The text folded (:func:`fold`), with each run of Chinese numerals written in digits:
    ``三天`` 3天, ``十二小时`` 12小时, ``草案二`` 草案2, ``三月三十一日`` 3月31日."""
    # 百分之 says "per cent", not a hundred: kept as written.
    parts = fold(text).split("百分之")
    return "百分之".join(_NUMERALS.sub(lambda m: _numeral(m.group(0)), p) for p in parts)


def _read(shape: re.Pattern[str], text: str, words: bool = False) -> int | None:
    """The number `shape` finds in the whole text (its first group that matched), or None.
    With `words`, Chinese numerals count (:func:`everyday`)."""
    cleaned = (everyday(text) if words else fold(text)).strip()
    match = shape.fullmatch(cleaned)
    if not match:
        return None
    return int(next(g for g in match.groups() if g is not None))


def read_whole(text: str) -> int | None:
    """A plain count: digits only, no marks."""
    return _read(_WHOLE, text)


def read_topic(text: str) -> int | None:
    """A topic number: ``3``, ``#3``, ``＃３``, ``3号``, ``第3个``, ``议题3``, ``第三个`` (but
    not a bare ``三``: a word that starts a view or a draft is not taken for a number)."""
    plain = _read(_TOPIC, text)
    return plain if plain is not None else _read(_TOPIC_SAID, text, words=True)


def read_draft(text: str) -> int | None:
    """A draft number: ``2``, ``#2``, ``草案2``, ``草案 2``, ``draft2``, ``草案二``, ``第2稿``."""
    return _read(_DRAFT, text, words=True)


def read_action(text: str) -> int | None:
    """An action number: ``A3``, ``#A3``, ``a3``, ``3``, ``Ａ３``."""
    return _read(_ACTION, text)


def read_percent(text: str) -> int | None:
    """A whole percentage from 0 to 100: ``40``, ``40%``, ``４０％``, ``百分之四十``, ``五十``."""
    value = _read(_PERCENT, text, words=True)
    return value if value is not None and value <= 100 else None


# A share said in a sentence: "50%", "百分之五十"; a lone number between spaces; "一半", "half".
_PERCENT_SAID = re.compile(r"([0-9]{1,3}) ?%|百分之 ?([0-9]{1,3})")
_LONE = re.compile(r"[0-9]{1,3}")
_HALF = re.compile(r"一半|\bhalf\b", re.IGNORECASE)


def find_percent(text: str) -> int | None:
    """A percentage said anywhere in a sentence, or None: ``沙子拉来了 50%``, ``百分之五十``,
    ``完成了 80`` (a number standing alone between spaces), ``拉来了一半`` / ``half`` (50). A
    number inside a word (``拉了3车``) is not a percentage; nor is one above 100."""
    cleaned = everyday(text)
    said = _PERCENT_SAID.search(cleaned)
    if said is not None:
        value = int(next(g for g in said.groups() if g is not None))
    else:
        lone = [w for w in cleaned.split() if _LONE.fullmatch(w)]
        if lone:
            value = int(lone[0])
        elif _HALF.search(fold(text)):
            value = 50
        else:
            return None
    return value if value <= 100 else None


def _quoted(text: str) -> str:
    return text.strip()[:QUOTE_MAX]


def topic_number(text: str) -> int:
    number = read_topic(text)
    if number is None:
        raise UserError(N_("“{text}” is not a topic number."), text=_quoted(text))
    return number


def draft_number(text: str) -> int:
    number = read_draft(text)
    if number is None:
        raise UserError(N_("“{text}” is not a draft number."), text=_quoted(text))
    return number


def view_number(text: str) -> int:
    number = read_whole(text)
    if number is None:
        raise UserError(N_("“{text}” is not a view number."), text=_quoted(text))
    return number


def action_number(text: str) -> int:
    number = read_action(text)
    if number is None:
        raise UserError(N_("“{text}” is not an action number (like A3)."), text=_quoted(text))
    return number


def percent(text: str) -> int:
    value = read_percent(text)
    if value is None:
        raise UserError(N_("Progress is a percentage from 0 to 100."))
    return value
