"""A scripted OpenAI-compatible endpoint on a loopback port: the real HTTP path (ChatOpenAI, the openai
client, headers, the platform's settings) without a model, for tests that need answers in milliseconds.

Each chat completion request takes the next scripted reply: a dict is a call of the tool the request offered
(what structured output asks for), a str is plain text, an int is an HTTP error status with an OpenAI-shaped
error body. Every request is recorded (path, headers, JSON body) so a test can check what was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = dict[str, Any] | str | int


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any]


@dataclass
class FakeOpenAI:
    base_url: str
    replies: list[Reply]
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Seconds each answer takes (a slow CPU model, for tests of progress and cancel).
    delay_seconds: float = 0
    #: Answers the client hung up on before they were sent (a cancelled caller abandons its HTTP call).
    abandoned: int = 0

    def next_reply(self) -> Reply:
        with self.lock:
            if not self.replies:
                return 500
            return self.replies.pop(0)


def _completion(body: dict[str, Any], reply: dict[str, Any] | str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if isinstance(reply, dict):
        tools = body.get("tools") or [{"function": {"name": "answer"}}]
        name = tools[0]["function"]["name"]
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": json.dumps(reply)}}
        ]
        finish = "tool_calls"
    else:
        message["content"] = reply
        finish = "stop"
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a test reads `fake.requests`, not stderr."""

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            try:
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                with fake.lock:
                    fake.abandoned += 1

        def do_GET(self) -> None:
            self._send(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if fake.delay_seconds:
                time.sleep(fake.delay_seconds)
            reply = fake.next_reply()
            if isinstance(reply, int):
                error = {"message": f"scripted HTTP {reply}", "type": "invalid_request_error", "code": str(reply)}
                self._send(reply, {"error": error})
                return
            self._send(200, _completion(body, reply))

    return Handler


@contextmanager
def fake_openai(*replies: Reply) -> Iterator[FakeOpenAI]:
    """Serve the scripted replies on a free loopback port; yields the fake (base_url ends in /v1)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeOpenAI(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", replies=list(replies))
    server.RequestHandlerClass = _handler(fake)
    thread = threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
