"""A fake SendGrid v3 server on loopback that checks each request against the API's rules.

Answers follow a script (a list of answers used in turn, then `default`): "202", "429" (with
X-RateLimit-Reset), "500", "400" (with an error body), ("slow", seconds) or ("kill", n) —
the test decides. Every request's JSON body is kept in `requests`; every rule it breaks is kept
in `violations`, and the server answers such a request 400 like SendGrid would.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "SG.test-key"


def check(body: dict, headers) -> list[str]:
    """The v3 mail/send rules a request breaks (empty when it is valid)."""
    problems = []
    if headers.get("Authorization") != f"Bearer {API_KEY}":
        problems.append("auth header")
    if "application/json" not in (headers.get("Content-Type") or ""):
        problems.append("content type")
    if not isinstance(body, dict):
        return [*problems, "body is not an object"]
    if not (body.get("from") or {}).get("email"):
        problems.append("from.email required")
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not 1 <= len(personalizations) <= 1000:
        problems.append("1 to 1000 personalizations")
        personalizations = []
    content = body.get("content")
    if not isinstance(content, list) or not content:
        problems.append("content required")
    elif any(not item.get("type") or not item.get("value") for item in content):
        problems.append("content needs type and value")
    elif content[0].get("type") != "text/plain":
        problems.append("text/plain must come first")
    addresses = []
    for p in personalizations:
        to = p.get("to") or []
        if not to:
            problems.append("personalization without to")
        addresses += [r.get("email", "").lower() for r in to + p.get("cc", []) + p.get("bcc", [])]
        if not (p.get("subject") or body.get("subject")):
            problems.append("subject required")
        for name in ("substitutions", "custom_args"):
            values = p.get(name) or {}
            if not all(isinstance(v, str) for v in values.values()):
                problems.append(f"{name} values must be strings")
    if len(addresses) > 1000:
        problems.append("at most 1000 recipients")
    if len(set(addresses)) != len(addresses):
        problems.append("an address appears twice in one request")
    return problems


class FakeSendGrid:
    def __init__(self, script=(), default="202"):
        self.script = list(script)
        self.default = default
        self.requests: list[dict] = []
        self.violations: list[str] = []
        self.answers: list[str] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path != "/v3/mail/send":
                    return self._answer(404, {"errors": [{"message": "not found"}]})
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._answer(400, {"errors": [{"message": "invalid JSON"}]})
                problems = check(body, self.headers)
                with server.lock:
                    if problems:
                        server.violations += problems
                    else:
                        answer = server.script.pop(0) if server.script else server.default
                        server.requests.append(body)
                        server.answers.append(answer)
                if problems:
                    return self._answer(400, {"errors": [{"message": p} for p in problems]})
                server.respond(self, answer)

            def _answer(self, status, body=None, headers=()):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                if data:
                    self.send_header("Content-Type", "application/json")
                self.end_headers()
                # the client may have given up waiting (timeout tests)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

        self.handler = Handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def respond(self, handler, answer) -> None:
        if isinstance(answer, tuple) and answer[0] == "slow":
            time.sleep(answer[1])
            answer = "202"
        if answer == "202":
            handler._answer(202, headers=[("X-Message-Id", uuid.uuid4().hex[:22])])
        elif answer == "429" or (isinstance(answer, tuple) and answer[0] == "429"):
            reset = str(int(time.time()) + (answer[1] if isinstance(answer, tuple) else 1))
            handler._answer(
                429,
                {"errors": [{"field": None, "message": "too many requests"}]},
                headers=[
                    ("X-RateLimit-Limit", "1"),
                    ("X-RateLimit-Remaining", "0"),
                    ("X-RateLimit-Reset", reset),
                ],  # fmt: skip
            )
        elif answer == "500":
            handler._answer(500, {"errors": [{"message": "internal error"}]})
        elif answer == "400":
            handler._answer(
                400,
                {
                    "errors": [
                        {
                            "field": "from.email",
                            "message": "The from address does not match a verified Sender Identity.",
                        }
                    ]
                },  # fmt: skip
            )
        else:
            raise AssertionError(f"unknown answer {answer!r}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def delivery_ids(self) -> list[int]:
        """Every delivery id in accepted requests (202 answers), in the order received."""
        ids = []
        for body, answer in zip(self.requests, self.answers, strict=True):
            if answer == "202" or (isinstance(answer, tuple) and answer[0] == "slow"):
                ids += [int(p["custom_args"]["delivery_id"]) for p in body["personalizations"]]
        return ids

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
