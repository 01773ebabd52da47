"""``create_app``: the FastAPI application of ``latechunk serve``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from latechunk import __version__
from latechunk.serve import errors
from latechunk.serve.metrics import Metrics
from latechunk.serve.middleware import AccessLog, BodyLimit, JsonBody
from latechunk.serve.routes import api, ops
from latechunk.serve.service import Service
from latechunk.serve.settings import API_KEY_ENV, ServeSettings

log = logging.getLogger("latechunk.serve")

DESCRIPTION = """Self-hosted embeddings with late chunking, compatible with the hosted jina-embeddings-v3
API (`POST /v1/embeddings`) and the OpenAI embeddings client. `POST /v1/chunk-embed` chunks documents
and embeds every chunk in its document's context."""


def create_app(settings: ServeSettings | None = None, *, load_in_background: bool = True) -> FastAPI:
    """The application; the model loads when the app starts (in the background: ``/health`` says when)."""
    settings = settings or ServeSettings()
    metrics = Metrics()
    service = Service(settings, metrics)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.api_keys:
            log.info("API keys required: %d key(s) configured", len(settings.api_keys))
        else:
            log.warning(
                "no API key configured (--api-key or $%s): the server is open to anyone who reaches it", API_KEY_ENV
            )
        if service.status == "loading":
            if load_in_background:
                service.start_loading()
            else:
                service.load()
        yield
        service.close()

    app = FastAPI(title="latechunk", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.service = service
    errors.install(app)
    app.include_router(api)
    app.include_router(ops)
    app.add_middleware(JsonBody)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLog, metrics=metrics)
    return app
