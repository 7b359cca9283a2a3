"""Decoding request bodies the way Slack does: JSON, form-encoded or multipart."""

from __future__ import annotations

import contextlib
import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

# Fields slack_sdk sends as JSON strings inside form bodies; decoded so tests and the
# validators see Python objects whichever encoding the caller chose.
JSON_FIELDS = ("blocks", "view", "attachments", "metadata", "files")


def parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        data = json.loads(raw.decode("utf-8") or "{}")
        if not isinstance(data, dict):
            raise ValueError("JSON body must be an object")
        return data
    if kind == "multipart/form-data":
        return {k: v for k, v in multipart_parts(content_type, raw)}
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


def multipart_parts(content_type: str, raw: bytes) -> list[tuple[str, Any]]:
    """(name, value) pairs: str for plain fields, bytes for file parts."""
    header = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(header + raw)
    parts: list[tuple[str, Any]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition") or ""
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is None:
            parts.append((str(name), payload.decode("utf-8")))
        else:
            parts.append((str(name), payload))
    return parts


def decode_json_fields(args: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            # A bad string stays a string: the validators then report the format.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None
