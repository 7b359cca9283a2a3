"""`GET /metrics`: Prometheus text from a registry of this app's own (never the
process-wide default, so two apps in one process, as in tests, never collide).

Request counts and ack latency are counted as requests arrive; the outbox figures
(backlog, the age of its oldest due message, dead letters) are read from the database
at scrape time, and sends by result come from this process's sender.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client import Counter as PromCounter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from storage.db import Database
from workflows.core import outbox

log = logging.getLogger("aigov.metrics")
ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# What a send can come to: the sender counts each outcome.
RESULTS = ("sent", "retried", "rate_limited", "dead")


class SendCounts:
    """How this process's sends ended, by result (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, result: str, n: int = 1) -> None:
        with self._lock:
            self._counts[result] += n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {r: self._counts[r] for r in RESULTS}


class OutboxCollector(Collector):
    """The outbox as Prometheus sees it, read when scraped (two aggregate queries)."""

    def __init__(self, db: Database, now: Callable[[], datetime], sends: SendCounts | None) -> None:
        self.db, self.now, self.sends = db, now, sends

    def collect(self) -> Iterator[Metric]:
        sends = CounterMetricFamily(
            "aigov_outbox_sends", "Outbox sends by result (this process)", labels=["result"]
        )
        for result, n in (
            self.sends.snapshot() if self.sends else dict.fromkeys(RESULTS, 0)
        ).items():
            sends.add_metric([result], n)
        yield sends
        now = self.now()
        try:
            with self.db.read() as session:
                backlog = outbox.backlog(session, now=now)
        except Exception as exc:  # the database is away: /healthz says so; no figures
            log.warning("metrics: the outbox could not be read (%s)", type(exc).__name__)
            return
        age = (now - backlog.oldest_due).total_seconds() if backlog.oldest_due else 0.0
        yield GaugeMetricFamily(
            "aigov_outbox_backlog", "Outbox messages not sent yet", value=backlog.unsent
        )
        yield GaugeMetricFamily(
            "aigov_outbox_oldest_age_seconds",
            "How long the oldest due unsent message has waited",
            value=max(age, 0.0),
        )
        yield GaugeMetricFamily(
            "aigov_outbox_dead_letters", "Outbox messages given up", value=backlog.dead
        )


class Metrics:
    """This app's registry: Slack requests and ack latency, and the outbox."""

    def __init__(
        self,
        *,
        db: Database,
        now: Callable[[], datetime],
        sends: SendCounts | None = None,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = PromCounter(
            "aigov_slack_requests",
            "Requests from Slack by outcome (HTTP status or refusal)",
            ["outcome"],
            registry=self.registry,
        )
        self.ack = Histogram(
            "aigov_slack_ack_seconds",
            "Time to answer a request from Slack (Slack waits 3 s)",
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(OutboxCollector(db, now, sends))

    def observe(self, outcome: str, seconds: float) -> None:
        self.requests.labels(outcome=outcome).inc()
        self.ack.observe(seconds)

    def render(self) -> str:
        return generate_latest(self.registry).decode("utf-8")
