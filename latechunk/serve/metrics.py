"""Prometheus metrics of one server (its own registry, so several apps in one process do not clash)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)


class Metrics:
    """Requests, tokens, inputs per request, queue depth, model calls in flight and latency."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "latechunk_requests", "HTTP requests answered, by route and status code", ["route", "status"], registry=r
        )
        self.latency = Histogram(
            "latechunk_request_duration_seconds",
            "Time from request to response, by route",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.tokens = Counter("latechunk_tokens", "Input tokens (usage.total_tokens), by route", ["route"], registry=r)
        self.inputs = Histogram(
            "latechunk_request_inputs",
            "Inputs (texts or documents) per embedding request",
            ["route"],
            buckets=_SIZE_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge("latechunk_queue_depth", "Admitted requests waiting for a worker", registry=r)
        self.in_flight = Gauge("latechunk_in_flight", "Requests running model calls now", registry=r)
        self.rejected = Counter("latechunk_rejected", "Requests refused because the queue was full", registry=r)
        self.ready = Gauge("latechunk_ready", "1 once the model is loaded", registry=r)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
