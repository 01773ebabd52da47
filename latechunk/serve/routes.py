"""The HTTP routes: they validate, check limits, then hand the request to the service's workers."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse

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
    try:
        body, tokens = await service.run(work)
    except (LateChunkError, ValueError, TypeError) as error:
        raise HTTPException(422, str(error)) from error
    request.state.tokens = tokens
    service.metrics.tokens.labels(route).inc(tokens)
    service.metrics.inputs.labels(route).observe(len(texts))
    return Response(body, media_type="application/json")


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
