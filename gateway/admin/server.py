"""The admin endpoint: a small HTTP/1.1 JSON server on the venue's event loop.

Role: `AdminServer(commands, token)` listens (loopback by default) with
`asyncio.start_server`, reads ONE request per connection, checks the bearer token, runs the
named command from `AdminCommands` synchronously on the loop (so it sees and changes the
venue exactly like a FIX message would: no threads, no locks) and answers with JSON:
`{"ok": true, "result": ...}` or `{"ok": false, "error": "..."}`.

Routes: `GET /api/<command>?k=v` and `POST /api/<command>` with a JSON object body (query
and body arguments are merged). `GET /api/commands` lists the registered commands.

Invariants:
- Every request needs `Authorization: Bearer <token>` (constant-time compare), else 401.
- Bounded: request line + headers <= 8 KiB, body <= 64 KiB (else 413/431), 5 s to send the
  request (else the connection is dropped); `Connection: close` after each answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import structlog

from gateway.admin.commands import AdminCommands, AdminError

log = structlog.get_logger("gateway.admin")

MAX_HEAD = 8 * 1024
MAX_BODY = 64 * 1024
READ_TIMEOUT_S = 5.0
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}


class AdminServer:
    def __init__(self, commands: AdminCommands, token: str) -> None:
        self.commands = commands
        self._token = token.encode()
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(
            self._handle, host, port, limit=MAX_HEAD, reuse_address=True
        )

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), timeout=1.0)
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, payload = await asyncio.wait_for(self._serve(reader), READ_TIMEOUT_S)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            return
        body = json.dumps(payload, default=str).encode()
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        )
        if status == 401:
            head += 'WWW-Authenticate: Bearer realm="fixvenue"\r\n'
        writer.write(head.encode() + b"\r\n" + body)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader) -> tuple[int, dict[str, Any]]:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            return 431, _err("request head too large")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return 400, _err("bad request line")
        method, target, _ = parts
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            return 400, _err("bad Content-Length")
        if length < 0 or length > MAX_BODY:
            return 413, _err(f"body larger than {MAX_BODY} bytes")
        raw = await reader.readexactly(length) if length else b""
        auth = headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), self._token):
            return 401, _err("missing or wrong bearer token")
        url = urlsplit(target)
        if not url.path.startswith("/api/"):
            return 404, _err("not found: use /api/<command>")
        if method not in ("GET", "POST"):
            return 405, _err("use GET or POST")
        args: dict[str, Any] = dict(parse_qsl(url.query))
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return 400, _err("body is not JSON")
            if not isinstance(body, dict):
                return 400, _err("body must be a JSON object")
            args.update(body)
        name = url.path[len("/api/") :]
        try:
            result = self.commands.run(name, args)
        except AdminError as exc:
            return exc.status, _err(exc.message)
        except Exception:
            log.exception("admin_command_failed", command=name)
            return 500, _err("internal error (see the venue's log)")
        log.info("admin_command", command=name, args=args)
        return 200, {"ok": True, "result": result}


def _err(message: str) -> dict[str, Any]:
    return {"ok": False, "error": message}
