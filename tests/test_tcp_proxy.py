"""The TCP proxy that end-to-end tests put in front of PostgreSQL, tried on an echo server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from tests.e2e.tcp_proxy import TcpProxy

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@dataclass
class EchoServer:
    """Sends back whatever it receives; closes its side when the client does."""

    port: int = 0
    open: set[asyncio.StreamWriter] = field(default_factory=set)
    accepted: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Echoes one connection until end of stream or a broken connection."""
        self.accepted += 1
        self.open.add(writer)
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self.open.discard(writer)
            writer.close()


@pytest.fixture
async def echo() -> AsyncIterator[EchoServer]:
    """An echo server on a free port."""
    server = EchoServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = int(listener.sockets[0].getsockname()[1])
    async with listener:
        yield server
        for writer in list(server.open):
            writer.close()


@pytest.fixture
async def proxy(echo: EchoServer) -> AsyncIterator[TcpProxy]:
    """A started proxy in front of the echo server."""
    async with TcpProxy("127.0.0.1", echo.port) as started:
        yield started


class Clients:
    """Opens client connections through a proxy and closes them when the test ends."""

    def __init__(self) -> None:
        self.writers: list[asyncio.StreamWriter] = []

    async def __call__(self, proxy: TcpProxy) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        self.writers.append(writer)
        return reader, writer


@pytest.fixture
async def connect() -> AsyncIterator[Clients]:
    """``await connect(proxy)``: a client connection through the proxy."""
    clients = Clients()
    yield clients
    for writer in clients.writers:
        writer.close()


async def round_trip(connection: Connection, data: bytes) -> bytes:
    """Sends ``data`` and reads back as many bytes."""
    reader, writer = connection
    writer.write(data)
    await writer.drain()
    return await asyncio.wait_for(reader.readexactly(len(data)), 2)


async def is_dropped(connection: Connection) -> bool:
    """Whether the other end hung up: end of stream or a reset, without data."""
    reader, writer = connection
    try:
        writer.write(b"anyone there?")
        await writer.drain()
        data = await asyncio.wait_for(reader.read(100), 2)
    except ConnectionError:
        return True
    return data == b""


async def until(condition: object, what: str) -> None:
    """Waits (briefly) for a condition the other side of a socket makes true."""
    assert callable(condition)
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_forwards_both_ways(proxy: TcpProxy, echo: EchoServer, connect: Clients) -> None:
    first, second = await connect(proxy), await connect(proxy)
    assert await round_trip(first, b"halo") == b"halo"
    assert await round_trip(second, b"apa kabar") == b"apa kabar"
    # More than the socket buffers hold, so that back-pressure is exercised.
    big = bytes(range(256)) * 16 * 1024
    assert await round_trip(first, big) == big
    assert proxy.open_connections == 2 and echo.accepted == 2

    # A half-close travels through: the server sees end of stream and answers with its own.
    reader, writer = first
    writer.write(b"akhir")
    writer.write_eof()
    assert await asyncio.wait_for(reader.read(), 2) == b"akhir"
    await until(lambda: proxy.open_connections == 1, "the closed connection to be let go")


async def test_cut_drops_live_connections_and_refuses_new_ones(
    proxy: TcpProxy, echo: EchoServer, connect: Clients
) -> None:
    live = await connect(proxy)
    assert await round_trip(live, b"ping") == b"ping"
    proxy.cut()
    assert proxy.is_cut and proxy.open_connections == 0
    assert await is_dropped(live)
    # The server's side of the forwarded connection is gone too.
    await until(lambda: not echo.open, "the echo server to see the connection end")

    refused = await connect(proxy)
    assert await is_dropped(refused)
    assert echo.accepted == 1  # the refused connection never reached the server


async def test_restore_forwards_again(proxy: TcpProxy, echo: EchoServer, connect: Clients) -> None:
    proxy.cut()
    assert await is_dropped(await connect(proxy))
    proxy.restore()
    assert not proxy.is_cut
    again = await connect(proxy)
    assert await round_trip(again, b"kembali") == b"kembali"
    assert echo.accepted == 1


async def test_stop_closes_everything(echo: EchoServer, connect: Clients) -> None:
    proxy = TcpProxy("127.0.0.1", echo.port)
    port = await proxy.start()
    assert port == proxy.port
    live = await connect(proxy)
    assert await round_trip(live, b"ping") == b"ping"
    await proxy.stop()
    assert await is_dropped(live)
    await until(lambda: not echo.open, "the echo server to see the connection end")
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
    await proxy.stop()  # stopping twice is harmless


async def test_an_unreachable_target_hangs_up_on_the_client(connect: Clients) -> None:
    # A port nothing listens on: bind one, then free it.
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    free_port = int(listener.sockets[0].getsockname()[1])
    listener.close()
    await listener.wait_closed()
    async with TcpProxy("127.0.0.1", free_port) as proxy:
        assert await is_dropped(await connect(proxy))
        assert proxy.open_connections == 0


async def test_port_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = TcpProxy("127.0.0.1", 5432).port
