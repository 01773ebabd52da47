"""``latechunk serve``: an embeddings HTTP API compatible with the hosted jina-embeddings-v3 API and ``openai``.

Install with ``pip install "latechunk[serve]"``. ``create_app`` builds the FastAPI app; importing
this package alone loads no web framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from latechunk.serve.settings import ServeSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["ServeSettings", "create_app"]


def create_app(settings: ServeSettings | None = None, **kwargs: Any) -> FastAPI:
    """The FastAPI app (see ``latechunk.serve.app.create_app``)."""
    try:
        from latechunk.serve.app import create_app as build
    except ImportError as error:
        raise ImportError(f'{error}; install the server extra: pip install "latechunk[serve]"') from error
    return build(settings, **kwargs)
