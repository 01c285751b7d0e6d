"""MLLP (Minimal Lower Layer Protocol, HL7 v2 over TCP): each message framed as
VT (0x0B) message FS (0x1C) CR (0x0D); the listener answers each message with its ACK.

    server = await start_listener(handle, host="127.0.0.1", port=2575)

``handle`` turns the message text into the ACK text (``services.labfeed.LabFeed.receive_hl7``);
it runs in a worker thread so a slow database never stalls the other connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

START = b"\x0b"
END = b"\x1c\r"
MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # a larger "message" is a broken sender: drop the link

log = logging.getLogger("alemtrack.mllp")

Handler = Callable[[str], str]


def frame(message: str) -> bytes:
    """``message`` framed for MLLP (UTF-8)."""
    return START + message.encode("utf-8") + END


def decode(payload: bytes) -> str:
    """Message bytes as text: UTF-8, else Latin-1 (HL7 v2's common 8-bit charset)."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


class FrameReader:
    """Incremental MLLP deframer: ``feed`` bytes, get the complete messages; bytes outside a
    frame are discarded."""

    def __init__(self, max_bytes: int = MAX_MESSAGE_BYTES) -> None:
        self._buffer = bytearray()
        self._max = max_bytes

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        messages: list[bytes] = []
        while True:
            start = self._buffer.find(START)
            if start == -1:
                self._buffer.clear()
                return messages
            end = self._buffer.find(b"\x1c", start + 1)
            if end == -1:
                del self._buffer[:start]
                if len(self._buffer) > self._max:
                    raise ValueError("MLLP frame larger than the limit")
                return messages
            messages.append(bytes(self._buffer[start + 1:end]))
            rest = end + 1
            if rest < len(self._buffer) and self._buffer[rest:rest + 1] == b"\r":
                rest += 1
            del self._buffer[:rest]


async def _connection(handle: Handler, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
    frames = FrameReader()
    peer = writer.get_extra_info("peername")
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            for payload in frames.feed(data):
                ack = await asyncio.to_thread(handle, decode(payload))
                writer.write(frame(ack))
                await writer.drain()
    except (ConnectionError, ValueError) as exc:
        log.warning("MLLP connection from %s closed: %s", peer, exc)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def start_listener(handle: Handler, *, host: str = "127.0.0.1", port: int = 2575
                         ) -> asyncio.Server:
    """Listen for MLLP connections; each framed message is answered with ``handle``'s ACK."""

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _connection(handle, reader, writer)

    return await asyncio.start_server(on_connect, host, port)


async def send(message: str, *, host: str, port: int, timeout: float = 30) -> str:
    """Send one framed message and wait for its framed answer (a small MLLP client)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(frame(message))
        await writer.drain()
        frames = FrameReader()
        while True:
            data = await asyncio.wait_for(reader.read(65536), timeout)
            if not data:
                raise ConnectionError("the listener closed the connection without an answer")
            answers = frames.feed(data)
            if answers:
                return decode(answers[0])
    finally:
        writer.close()
        await writer.wait_closed()
