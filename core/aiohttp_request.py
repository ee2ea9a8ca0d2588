"""python-telegram-bot's networking over aiohttp instead of httpx.

Why: with many API calls in flight, httpx's connection pool (httpcore 1.0) walks every
pooled connection, and for each idle one counts them all again, on every request it
queues or releases (encode/httpcore#1035, not merged). With the bot's updates and
deliveries in flight that bookkeeping was the largest single cost of an update: a
`Bot.send_message`, PTB's work included, costs 1.1 ms of CPU with 32 calls at once on
httpx against 0.18 ms here, and 0.60 against 0.26 ms one at a time (bench/http_client.py
prints both). aiohttp is already a dependency (the sandbox serves on it) and parses HTTP
in C.

The interface is PTB's `BaseRequest`, which PTB documents for other HTTP libraries; PTB
still builds every request and parses every answer. Timeouts keep HTTPXRequest's meaning:
`pool_timeout` + `connect_timeout` bound getting a connection, `connect_timeout` opening
one, `read_timeout` each wait for the answer's bytes. aiohttp has no write timeout: the
time to send a body counts against the read timeout, so a call with files is allowed
`read_timeout + write_timeout` (the media write timeout) there. Every time-out raises
`TimedOut`, every other failure of the connection `NetworkError`, as with httpx, so the
rate limiter's retries (core/ratelimit.py) treat both libraries alike.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# What PTB's own request passes for an argument not given (BaseRequest.DEFAULT_NONE).
_DEFAULT = BaseRequest.DEFAULT_NONE


def _given(value: object, default: float | None) -> float | None:
    # PTB passes DEFAULT_NONE for a time-out the caller did not give, None for no limit.
    return default if value is _DEFAULT else cast(float | None, value)


def _total(*parts: float | None) -> float | None:
    # None means "no limit" in both libraries: any part without a limit lifts the sum's.
    return None if any(part is None for part in parts) else sum(p for p in parts if p)


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` for PTB on one aiohttp session (see the module doc)."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        pool_size: int,
        read_timeout: float | None,
        write_timeout: float | None,
        media_write_timeout: float | None = None,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._media_write_timeout = (
            write_timeout if media_write_timeout is None else media_write_timeout
        )
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    def _proxy(self, url: str) -> str | None:
        """The proxy the environment names for `url` (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, as
        httpx and curl read them): an office network may reach the outside only through
        one. Read once per scheme and host; a changed variable needs a restart."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxies:
            bypass = proxy_bypass(parts.hostname or "")
            self._proxies[origin] = None if bypass else getproxies().get(parts.scheme)
        return self._proxies[origin]

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # The session is made here, inside the running loop, because aiohttp binds it
            # to the loop that creates it; PTB initialises requests in the application's.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # Not trust_env: with it aiohttp reads ~/.netrc and the proxy variables on
                # a worker thread for every request, two thread round trips per call (a
                # tenth of the bot's CPU in the report-flow bench). `_proxy` reads the
                # variables once per address instead.
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = _DEFAULT,
        write_timeout: object = _DEFAULT,
        connect_timeout: object = _DEFAULT,
        pool_timeout: object = _DEFAULT,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_total(_given(pool_timeout, self._pool_timeout), connect),
            sock_connect=connect,
            sock_read=_total(read, write) if files else read,
        )
        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            if files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
            else:
                data = request_data.json_parameters  # form-encoded, as httpx sends it
        try:
            async with session.request(
                method, url, data=data, timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            if isinstance(err, aiohttp.ConnectionTimeoutError):
                raise TimedOut(
                    "Pool timeout: no connection to Telegram was free or could be opened in "
                    "time. The request was *not* sent."
                ) from err
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # The class name helps where the message is empty (a dropped connection).
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


class UpdatesRequest(AiohttpRequest):
    """The request `getUpdates` goes through: it also keeps the updates as Telegram sent
    them, so the poller stores that JSON in the update inbox instead of turning PTB's
    objects back into dicts (`Update.to_dict` cost about 0.25 ms an update, close to a
    tenth of a typed answer). `parse_json_payload` is the hook PTB documents for replacing
    its JSON decoding; PTB copies each dict it builds an object from, so the kept ones are
    the answer's own."""

    __slots__ = ("_updates",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._updates: dict[int, dict[str, Any]] = {}

    # PTB declares the hook a staticmethod but calls it on the instance
    # (`self.parse_json_payload`), so an instance method may keep what it parsed.
    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        answer = BaseRequest.parse_json_payload(payload)
        result = answer.get("result")
        self._updates = {
            update["update_id"]: update
            for update in (result if isinstance(result, list) else ())
            if isinstance(update, dict) and isinstance(update.get("update_id"), int)
        }
        return answer

    def take_updates(self) -> dict[int, dict[str, Any]]:
        """The updates of the last answer as Telegram sent them, by id (once)."""
        updates, self._updates = self._updates, {}
        return updates
