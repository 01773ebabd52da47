"""Optional API keys: ``Authorization: Bearer <key>``; with no key configured the server is open."""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request


def check_api_key(request: Request) -> None:
    """A FastAPI dependency: 401 unless the request carries one of the configured keys."""
    keys: tuple[str, ...] = request.app.state.service.settings.api_keys
    if not keys:
        return
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise HTTPException(
            401, "missing API key: send 'Authorization: Bearer <key>'", headers={"WWW-Authenticate": "Bearer"}
        )
    given_bytes = given.strip().encode()
    if not any(secrets.compare_digest(given_bytes, key.encode()) for key in keys):
        raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})
