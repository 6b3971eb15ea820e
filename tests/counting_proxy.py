"""A TCP proxy in front of a stack's gateway that counts the project reads passing through it and can
cut or refuse Realtime's websockets: what a hosted project would see of a waiting CLI, and a network
that drops the socket. Used by the tests of waiting and by benchmarks/progress_push.py."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from urllib.parse import urlsplit

READS = (b"GET /rest/v1/projects?", b"GET /rest/v1/ai_jobs?")


class CountingProxy:
    """`with CountingProxy(stack.url) as proxy:` serves on `proxy.url`. `reads` counts requests for
    projects and jobs; `refuse_realtime` closes new websockets at once; `drop_realtime()` cuts the
    open ones."""

    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname, parts.port)
        self.reads = 0
        self.refuse_realtime = False
        self._sockets: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.url = ""

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc) -> None:
        async def shut() -> None:
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._loop.stop()

        self._loop.call_soon_threadsafe(self._loop.create_task, shut())
        self._thread.join(5)

    def drop_realtime(self) -> None:
        def cut() -> None:
            for writer in list(self._sockets):
                writer.transport.abort()

        self._loop.call_soon_threadsafe(cut)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        self._ready.set()
        self._loop.run_forever()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await reader.read(65536)
        websocket = first.startswith(b"GET /realtime/")
        if websocket and self.refuse_realtime:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        if websocket:
            self._sockets.update((writer, up_writer))
        self._count(first)
        up_writer.write(first)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(self._pipe(reader, up_writer, count=True), self._pipe(up_reader, writer))
        self._sockets.difference_update((writer, up_writer))

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: bool = False
    ) -> None:
        try:
            while data := await reader.read(65536):
                if count:
                    self._count(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def _count(self, data: bytes) -> None:
        self.reads += sum(data.count(prefix) for prefix in READS)
