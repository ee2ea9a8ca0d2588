"""A local stand-in for the Telegram Bot API, for end-to-end tests, demos and training.

Start a :class:`Sandbox`, point the bot at ``sandbox.url`` (``base_url=f"{url}/bot"``,
``base_file_url=f"{url}/file/bot"``) and act as people with :meth:`Sandbox.user`::

    async with Sandbox(token="123:abc") as sandbox:
        app = application_builder(sandbox).build()       # sandbox.testing
        app.add_handler(CommandHandler("start", start))
        async with polling(app):                          # sandbox.testing
            rina = sandbox.user(1001, "Rina")
            await rina.send_text("/start")
            reply = await rina.next_message()
            await rina.press(reply, "Ya")
        assert sandbox.errors == []                       # nothing Telegram would refuse

Reliability tests make Telegram fail: ``fail_next``, ``fail_randomly``, ``answer_late``,
``flood`` and ``slow_downloads``; ``faults_injected`` and ``early_retries`` tell what happened.

``python -m sandbox`` serves it standalone with the terminal chat (sandbox.terminal).
"""

from sandbox.server import ChatEvent, FaultKind, FloodAnswer, RecordedRequest, Sandbox
from sandbox.user import SandboxUser

__all__ = ["ChatEvent", "FaultKind", "FloodAnswer", "RecordedRequest", "Sandbox", "SandboxUser"]
