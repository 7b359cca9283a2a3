"""Slack request signatures, checked before Bolt sees a request.

Bolt's own check answers 500 for a timestamp like `abc`, a 5,000-digit timestamp or a
non-ASCII signature, and logs the body of a request that fails. This guard answers every
bad, stale, missing or malformed signature with a plain "no" and logs nothing of the body.
"""

from __future__ import annotations

import hashlib
import hmac
import re

MAX_SKEW_SECONDS = 300
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature of a request body."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def verify(
    secret: str, *, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> bool:
    """True only for a well-formed, fresh signature that matches the body."""
    if not timestamp or not signature:
        return False
    if not timestamp.isascii() or not _TIMESTAMP.match(timestamp):
        return False
    if not signature.isascii() or not _SIGNATURE.match(signature):
        return False
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
