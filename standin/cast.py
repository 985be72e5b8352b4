"""Who is in the demo village: its group, its convenor and four villagers, in both languages.

Plain data: the ids are made up (Telegram's user ids are positive, a supergroup's id starts with
-100), the names are what the page and the bot show.
"""

from __future__ import annotations

from dataclasses import dataclass

GROUP_ID = -1001000000777
GROUP_TITLE = {"zh": "演示村", "en": "Demo village"}
BOT_NAME = {"zh": "商量", "en": "Shangliang"}
# The demo bot's fixed token and name: `shangliang try` needs no token of the user's.
DEMO_TOKEN = "424242:DEMO_shangliang_try_not_a_real_token"
DEMO_BOT_USERNAME = "shangliang_demo_bot"


@dataclass(frozen=True)
class Villager:
    user_id: int
    zh: str
    en: str
    username: str
    # "creator" for the convenor (the group's owner, so an administrator), else "member".
    status: str = "member"

    def name(self, language: str) -> str:
        """The first name Telegram shows for them in `language`'s demo."""
        return self.zh if language == "zh" else self.en

    @property
    def is_convenor(self) -> bool:
        return self.status in ("creator", "administrator")


CONVENOR = Villager(8001, "陈支书", "Secretary Chen", "chen_zhishu", "creator")
WANG = Villager(8002, "王秀英", "Wang Xiuying", "wang_xiuying")
LIU = Villager(8003, "刘德福", "Liu Defu", "liu_defu")
LI = Villager(8004, "李大姐", "Sister Li", "li_dajie")
ZHAO = Villager(8005, "赵老汉", "Old Zhao", "zhao_laohan")
PEOPLE: tuple[Villager, ...] = (CONVENOR, WANG, LIU, LI, ZHAO)
BY_ID = {person.user_id: person for person in PEOPLE}
