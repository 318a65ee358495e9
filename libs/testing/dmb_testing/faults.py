"""Faults on demand for tests: a TCP relay that makes a real server unreachable and reachable again, and an
S3 store whose SDK gives up at once (so the code under test does the retrying)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import urllib3
from minio import Minio

from dmb_testing.seaweed import ACCESS_KEY, SECRET_KEY

if TYPE_CHECKING:
    from dmb_common.storage import S3Store


class TcpRelay:
    """A TCP relay on a fixed local port to the S3 server: off, the port refuses connections (the store is
    unreachable); on, every byte goes through unchanged."""

    def __init__(self, port: int, target: str) -> None:
        self.port = port
        parts = urlsplit(target)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    def start_from_thread(self, loop: asyncio.AbstractEventLoop) -> None:
        asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=10)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._writers.add(client_writer)
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._target)
        except OSError:
            client_writer.close()
            return
        self._writers.add(server_writer)
        await asyncio.gather(self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while block := await reader.read(65536):
                writer.write(block)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)


def s3_store_without_sdk_retries(endpoint: str, bucket: str) -> S3Store:
    """An S3Store whose SDK does not retry by itself (its default is 5 retries with back-off, ~6 s against a
    closed port), so the exporter's own retries are what the test exercises, quickly."""
    from dmb_common.storage import S3Store  # imported here, as in plugin.py: only S3 tests need it

    store = S3Store(endpoint, ACCESS_KEY, SECRET_KEY, bucket)
    store.client = Minio(
        urlsplit(endpoint).netloc,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        secure=False,
        http_client=urllib3.PoolManager(retries=urllib3.Retry(total=0), timeout=urllib3.Timeout(connect=5, read=30)),
    )
    return store
