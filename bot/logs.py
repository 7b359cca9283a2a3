"""Logging that never holds a token or a signing secret."""

from __future__ import annotations

import logging
import re

_SECRETS = re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")


class Redact(logging.Filter):
    """Masks Slack tokens in every record, whatever logged them."""

    def __init__(self, extra: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.extra = tuple(s for s in extra if s and len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _SECRETS.sub("[redacted]", message)
        for secret in self.extra:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: int = logging.INFO, *, secrets: tuple[str, ...] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk and Bolt log request bodies at DEBUG.
    for noisy in ("slack_sdk", "aigov.slack_sdk", "slack_bolt", "aigov.bolt", "urllib3"):
        logging.getLogger(noisy).setLevel(max(level, logging.INFO))
    logging.getLogger("waitress").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
