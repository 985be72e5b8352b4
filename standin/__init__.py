"""The stand-in for Telegram's Bot API: `shangliang try` runs the real bot against it, on
127.0.0.1, with a page in the browser for the people of a demo group (standin/web.py), and the
tests drive the bot through the same model (standin/botapi.py) as their strict fake."""
