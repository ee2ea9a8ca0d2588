"""A local stand-in for the Telegram Bot API, for end-to-end tests, demos and training.

Start a :class:`Sandbox`, point the bot at ``sandbox.url`` (``base_url=f"{url}/bot"``,
``base_file_url=f"{url}/file/bot"``) and act as people with :meth:`Sandbox.user`.
"""

from sandbox.server import ChatEvent, RecordedRequest, Sandbox
from sandbox.user import SandboxUser

__all__ = ["ChatEvent", "RecordedRequest", "Sandbox", "SandboxUser"]
