"""The Word minutes as a county office files them (tester's findings after issue 12): A4 paper,
the document's language zh-CN for a Chinese group, and the core properties naming the bot and
the minutes' title (never "python-docx")."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn

from tests.test_minutes_docx import deliberation, documents


async def test_word_minutes_are_a4_in_chinese_by_the_bot(world):
    group, chen, _people = await deliberation(world)
    await chen.starts_bot()
    await chen.says("/minutes 1")  # privately: never in the group (it holds private comments)
    [sent] = documents(world, chen.id)
    doc = Document(io.BytesIO(sent["upload"]))
    for section in doc.sections:
        # Stored in twentieths of a point: A4 to a tenth of a millimetre (Letter is 216 x 279).
        assert abs(section.page_width.mm - 210) < 0.1
        assert abs(section.page_height.mm - 297) < 0.1
    props = doc.core_properties
    assert props.author == "商量机器人"
    assert props.last_modified_by == "商量机器人"
    assert props.title == "协商纪要：议题 #1 修缮村口水井"
    assert props.language == "zh-CN"
    lang = doc.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "zh-CN" and lang.get(qn("w:eastAsia")) == "zh-CN"
