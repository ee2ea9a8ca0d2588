"""The base layer: settings, translations, the clock and the per-update scope.

It imports nothing from the layers above it (models, services, handlers, jobs, bot).
"""

import os

# python-telegram-bot 22 warns that durations (retry_after, live_period) will become
# timedeltas; opting in now (its documented switch) keeps the code ready for v23. PTB reads
# the switch when it converts a duration, and every module that talks to Telegram imports
# this package first.
os.environ.setdefault("PTB_TIMEDELTA", "1")
