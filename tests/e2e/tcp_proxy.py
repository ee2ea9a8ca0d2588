"""A TCP proxy that can cut its connections, for tests where a server goes away.

Put it between the bot and PostgreSQL (or any TCP server) and :meth:`TcpProxy.cut` does to
the bot what stopping the server would: open connections break and new ones fail, while the
shared server, and every other test using it, carries on. :meth:`TcpProxy.restore` brings
the server "back"::

    async with TcpProxy("127.0.0.1", 5432) as proxy:
        url = f"postgresql+psycopg://user@127.0.0.1:{proxy.port}/db"
        ...                       # the bot works
        proxy.cut()               # PostgreSQL is gone
        ...
        proxy.restore()           # and back
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

__all__ = ["TcpProxy"]

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024


class _Link:
    """One client connection and the connection to the target made for it."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None

    def writers(self) -> list[asyncio.StreamWriter]:
        return [w for w in (self.client, self.upstream) if w is not None]

    def abort(self) -> None:
        """Drops both sides at once, unsent data included, as a failing network does."""
        for writer in self.writers():
            writer.transport.abort()

    def close(self) -> None:
        for writer in self.writers():
            writer.close()


class TcpProxy:
    """Forwards TCP connections from 127.0.0.1:<port> to ``target_host:target_port``."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self._server: asyncio.Server | None = None
        self._port: int | None = None
        self._cut = False
        self._links: set[_Link] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The port the proxy listens on (after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("the proxy is not started")
        return self._port

    @property
    def is_cut(self) -> bool:
        """Whether the proxy is refusing connections."""
        return self._cut

    @property
    def open_connections(self) -> int:
        """How many client connections are being forwarded now."""
        return len(self._links)

    async def start(self) -> int:
        """Listens on 127.0.0.1 on a free port and returns the port."""
        if self._server is not None:
            raise RuntimeError("the proxy is already started")
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self._port = int(self._server.sockets[0].getsockname()[1])
        return self._port

    async def stop(self) -> None:
        """Stops listening and closes every connection through the proxy."""
        server, self._server = self._server, None
        self._drop_all()
        if server is not None:
            server.close()
            await server.wait_closed()
        # The per-connection tasks end once their transports are gone; wait for them so
        # that nothing outlives the proxy (and the test's event loop).
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def cut(self) -> None:
        """Closes every open connection at once; new ones are closed as soon as accepted."""
        self._cut = True
        self._drop_all()

    def restore(self) -> None:
        """Accepts and forwards connections again."""
        self._cut = False

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _drop_all(self) -> None:
        links, self._links = self._links, set()
        for link in links:
            link.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut or self._server is None:
            # Still listening, so the client's connect succeeds; what it sees is a server
            # that hangs up at once, as a database that is shutting down does.
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        link = _Link(writer)
        self._links.add(link)
        try:
            await self._forward(link, reader)
        except Exception:
            # An exception here would only reach asyncio's "unhandled exception" log.
            log.exception("tcp proxy: forwarding failed")
            link.abort()
        finally:
            self._links.discard(link)
            link.close()
            self._tasks.discard(task)

    async def _forward(self, link: _Link, client_reader: asyncio.StreamReader) -> None:
        try:
            upstream_reader, upstream = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError as exc:
            log.info("tcp proxy: cannot reach %s:%s: %s", self.target_host, self.target_port, exc)
            link.abort()
            return
        link.upstream = upstream
        if link not in self._links:
            # Cut (or stopped) while the connection to the target was being made.
            link.abort()
            return
        await asyncio.gather(
            self._pump(link, client_reader, upstream),
            self._pump(link, upstream_reader, link.client),
        )

    @staticmethod
    async def _pump(
        link: _Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Copies one direction until end of stream, which it passes on as a half-close."""
        try:
            while data := await reader.read(_CHUNK):
                writer.write(data)
                await writer.drain()
            if not writer.is_closing() and writer.can_write_eof():
                writer.write_eof()
        except OSError:
            # One side broke: break the other too, or its pump would wait for ever.
            link.abort()
