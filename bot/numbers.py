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
_TOPIC = re.compile(rf"#?([0-9]{{1,{MAX_DIGITS}}})")
_DRAFT = re.compile(rf"(?:(?:草案|draft) ?)?#?([0-9]{{1,{MAX_DIGITS}}})", re.IGNORECASE)
_ACTION = re.compile(rf"#?[Aa]?([0-9]{{1,{MAX_DIGITS}}})")
_PERCENT = re.compile(r"([0-9]{1,3})%?")


def fold(text: str) -> str:
    """Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space as plain ASCII."""
    return text.translate(_FOLD)


def _read(shape: re.Pattern[str], text: str) -> int | None:
    match = shape.fullmatch(fold(text).strip())
    return int(match.group(1)) if match else None


def read_whole(text: str) -> int | None:
    """A plain count: digits only, no marks."""
    return _read(_WHOLE, text)


def read_topic(text: str) -> int | None:
    """A topic number: ``3``, ``#3``, ``＃３``."""
    return _read(_TOPIC, text)


def read_draft(text: str) -> int | None:
    """A draft number: ``2``, ``#2``, ``草案2``, ``草案 2``, ``draft2``."""
    return _read(_DRAFT, text)


def read_action(text: str) -> int | None:
    """An action number: ``A3``, ``#A3``, ``a3``, ``3``, ``Ａ３``."""
    return _read(_ACTION, text)


def read_percent(text: str) -> int | None:
    """A whole percentage from 0 to 100: ``40``, ``40%``, ``４０％``."""
    value = _read(_PERCENT, text)
    return value if value is not None and value <= 100 else None


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
