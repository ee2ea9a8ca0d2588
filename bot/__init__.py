"""Dampingan: wiring of the Telegram application, settings, CLI."""

import os

# python-telegram-bot 22 warns that durations (retry_after, live_period) will become
# timedeltas; opting in now (its documented switch) keeps the code ready for v23. It must be
# set before telegram is imported, which bot/ always is first.
os.environ.setdefault("PTB_TIMEDELTA", "1")
