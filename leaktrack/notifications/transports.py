"""Transports: SendGrid v3 mail/send, and a capture transport that keeps what would have gone out.

Part of the delivery core: imports no Flask. A transport makes one attempt per call and says
what happened; the dispatcher decides about waiting and retrying.
"""

from __future__ import annotations

import json
import urllib.error
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from python_http_client import exceptions as http_errors
from sendgrid import SendGridAPIClient

from leaktrack.notifications.render import Rendered

#: SendGrid's limits per request: personalizations, and recipients over all of them
MAX_PERSONALIZATIONS = 1000
#: the custom_args key that carries the delivery id, echoed on every event
DELIVERY_ARG = "delivery_id"


@dataclass(frozen=True)
class Personalization:
    """One recipient of a batch: their address and their own values as substitutions."""

    delivery_id: int
    email: str
    substitutions: dict[str, str]


@dataclass(frozen=True)
class Message:
    """One request's worth: shared content with tags, and up to 1,000 personalizations."""

    content: Rendered
    sender: str
    personalizations: tuple[Personalization, ...]
    #: non-personal values SendGrid echoes on events (never personal data)
    custom_args: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to.

    `accepted`: SendGrid took it (never send it again). `retry`: it did not, try later
    (`wait` seconds when the server said so). `failed`: it refused the request for good.
    `maybe_accepted` marks a retry after which SendGrid may still have taken the request
    (a timeout after the body was sent).
    """

    status: str
    message_id: str | None = None
    reason: str = ""
    wait: float | None = None
    maybe_accepted: bool = False


def batches(people: Iterable[Personalization], size: int = MAX_PERSONALIZATIONS) -> Iterator[list]:
    """Split recipients into requests of at most `size`, never one address twice in a request."""
    current: list[Personalization] = []
    seen: set[str] = set()
    held: list[Personalization] = []
    for person in people:
        key = person.email.lower()
        if key in seen:
            held.append(person)
            continue
        current.append(person)
        seen.add(key)
        if len(current) == size:
            yield current
            current, seen = [], set()
    if current:
        yield current
    if held:
        yield from batches(held, size)


def sendgrid_body(message: Message) -> dict:
    """The v3 mail/send JSON: one personalization per recipient, substitutions as strings."""
    content = message.content
    return {
        "from": {"email": message.sender},
        "subject": content.subject,
        "content": [
            {"type": "text/plain", "value": content.text},
            {"type": "text/html", "value": content.html},
        ],
        "personalizations": [
            {
                "to": [{"email": person.email}],
                "substitutions": {key: str(value) for key, value in person.substitutions.items()},
                "custom_args": {DELIVERY_ARG: str(person.delivery_id)},
            }
            for person in message.personalizations
        ],
        **({"custom_args": dict(message.custom_args)} if message.custom_args else {}),
    }


def _error_text(body: bytes | None) -> str:
    try:
        errors = json.loads(body or b"{}").get("errors") or []
        text = "; ".join(str(error.get("message", "")) for error in errors if error)
    except (ValueError, AttributeError):
        text = ""
    return text or (body or b"").decode("utf-8", "replace")[:500]


def _reset_wait(headers, now: float) -> float | None:
    reset = headers.get("X-RateLimit-Reset") if headers is not None else None
    try:
        return max(0.0, float(reset) - now) if reset is not None else None
    except ValueError:
        return None


class SendGridTransport:
    """Posts to SendGrid v3 `mail/send` with the official client."""

    name = "sendgrid"

    def __init__(self, *, api_key: str, host: str, timeout: float = 30.0, clock=None):
        import time

        self.client = SendGridAPIClient(api_key=api_key, host=host.rstrip("/"))
        self.client.client.timeout = timeout
        self.clock = clock or time.time

    def send(self, message: Message) -> Outcome:
        """One attempt: 202 accepted, 429/5xx/network retry, other 4xx failed."""
        return self.post(sendgrid_body(message))

    def post(self, body: dict) -> Outcome:
        """Post a prepared body once and classify the answer."""
        try:
            response = self.client.client.mail.send.post(request_body=body)
        except http_errors.HTTPError as exc:
            status = exc.status_code
            if status == 429:
                return Outcome("retry", reason="429 " + _error_text(exc.body),
                               wait=_reset_wait(exc.headers, self.clock()))  # fmt: skip
            if status >= 500:
                return Outcome("retry", reason=f"{status} {_error_text(exc.body)}")
            return Outcome("failed", reason=f"{status} {_error_text(exc.body)}")
        except TimeoutError:
            return Outcome("retry", reason="timeout", maybe_accepted=True)
        except urllib.error.URLError as exc:
            # connection refused or reset: maybe_accepted when the body may have gone out
            reset = isinstance(getattr(exc, "reason", None), ConnectionResetError)
            return Outcome("retry", reason=f"network: {exc.reason}", maybe_accepted=reset)
        except (ConnectionError, OSError) as exc:
            return Outcome("retry", reason=f"network: {exc}", maybe_accepted=True)
        if response.status_code in (200, 202):
            return Outcome("accepted", message_id=response.headers.get("X-Message-Id"))
        return Outcome("failed", reason=f"unexpected answer {response.status_code}")


class CaptureTransport:
    """Keeps every message instead of sending it; `sink` may store it elsewhere too."""

    name = "capture"

    def __init__(self, sink: Callable[[Message], None] | None = None):
        self.messages: list[Message] = []
        self.sink = sink

    def send(self, message: Message) -> Outcome:
        self.messages.append(message)
        if self.sink is not None:
            self.sink(message)
        return Outcome("accepted", message_id=f"capture-{uuid.uuid4().hex[:22]}")
