"""The HTTP routes: they validate, check limits, then hand the request to the service's workers.

While a request's engine work runs, its route listens to the connection: when the client goes away
the request's ``Call`` is cancelled, the engine stops at the next window boundary, and the request is
logged with status 499 (client closed request), not 200.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

from latechunk.pipeline.calls import Call, CallCancelled
from latechunk.serve.errors import CLIENT_CLOSED, error_response
from latechunk.serve.memory import TRIM_AFTER_TOKENS, trim_heap
from latechunk.serve.schemas import (
    ChunkEmbedRequest,
    ChunkEmbedResponse,
    EmbeddingsRequest,
    EmbeddingsResponse,
    ErrorBody,
    Health,
    ModelCard,
    ModelList,
)
from latechunk.serve.security import check_api_key
from latechunk.serve.service import Service
from latechunk.types import LateChunkError

log = logging.getLogger("latechunk.serve")
T = TypeVar("T")
_REQUEST_NUMBERS = itertools.count(1)

ERRORS = {
    400: {"model": ErrorBody, "description": "The body is not valid JSON."},
    401: {"model": ErrorBody, "description": "Missing or wrong API key."},
    413: {"model": ErrorBody, "description": "Over a server limit (named in detail)."},
    422: {"model": ErrorBody, "description": "A field is invalid (named in detail)."},
    503: {"model": ErrorBody, "description": "Model loading or queue full; see Retry-After."},
}

api = APIRouter(prefix="/v1", dependencies=[Depends(check_api_key)], responses=ERRORS)
ops = APIRouter()


def _service(request: Request) -> Service:
    return request.app.state.service


async def _answer(
    request: Request, payload: EmbeddingsRequest | ChunkEmbedRequest, work: Callable[[], tuple[bytes, int]], route: str
) -> Response:
    request.state.task = payload.task
    request.state.late_chunking = payload.late_chunking
    texts = payload.texts
    service = _service(request)
    service.check_limits(texts)
    request.state.inputs = len(texts)
    call = service.new_call(f"{route} #{next(_REQUEST_NUMBERS)}")
    started = time.perf_counter()
    try:
        service.check_inputs(texts, embed=isinstance(payload, EmbeddingsRequest))
        body, tokens = await _unless_client_leaves(request, call, service.run(work, call))
    except CallCancelled:
        request.state.cancelled = "the client closed the connection"
        log.info(
            "%s stopped after %.1f s: the client closed the connection (%d forward passes ran for it)",
            call.name,
            time.perf_counter() - started,
            call.forward_passes,
        )
        return error_response(CLIENT_CLOSED, f"{call.name} was stopped: the client closed the connection")
    except (LateChunkError, ValueError, TypeError) as error:
        raise HTTPException(422, str(error)) from error
    finally:
        request.state.forward_passes = call.forward_passes
    request.state.tokens = tokens
    service.metrics.tokens.labels(route).inc(tokens)
    service.metrics.inputs.labels(route).observe(len(texts))
    # after the answer is sent, a big request's freed memory goes back to the system
    after = BackgroundTask(trim_heap) if tokens >= TRIM_AFTER_TOKENS else None
    return Response(body, media_type="application/json", background=after)


async def _unless_client_leaves(request: Request, call: Call, work: Awaitable[T]) -> T:
    """``await work``, cancelling ``call`` if the client closes the connection meanwhile (the engine then
    stops at its next window boundary and ``work`` raises ``CallCancelled``)."""

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        call.cancel("the client closed the connection")

    watcher = asyncio.ensure_future(watch())
    try:
        return await work
    finally:
        watcher.cancel()


@api.post("/embeddings", response_model=EmbeddingsResponse, summary="Embed texts (hosted jina-embeddings-v3 API)")
async def embeddings(payload: EmbeddingsRequest, request: Request) -> Response:
    """One vector per input; with ``late_chunking`` each input is a part of one document."""
    service = _service(request)
    return await _answer(request, payload, lambda: service.embeddings(payload), "/v1/embeddings")


@api.post("/chunk-embed", response_model=ChunkEmbedResponse, summary="Chunk documents and embed every chunk")
async def chunk_embed(payload: ChunkEmbedRequest, request: Request) -> Response:
    """Per document its chunks (text, start, end, token_count, embedding), late-chunked by default."""
    service = _service(request)
    return await _answer(request, payload, lambda: service.chunk_embed(payload), "/v1/chunk-embed")


@api.get("/models", response_model=ModelList, summary="The served model")
async def models(request: Request) -> ModelList:
    service = _service(request)
    service.require_ready()
    base = service.base
    card = ModelCard(
        id=service.settings.served_name,
        created=service.loaded_at,
        source=service.settings.late_chunker.model,
        dimensions=base.dim,
        max_length=base.max_length,
        tasks=list(base.tasks),
    )
    return ModelList(data=[card])


@ops.get("/health", response_model=Health, responses={503: {"model": Health}}, summary="Readiness")
async def health(request: Request) -> JSONResponse:
    """200 ``{"status": "ok"}`` once the model is loaded; 503 while loading or after a failed load."""
    service = _service(request)
    body = Health(status=service.status, model=service.settings.served_name, detail=service.error)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=200 if service.status == "ok" else 503)


@ops.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    service = _service(request)
    return Response(service.metrics.render(), media_type=service.metrics.content_type)
