"""``latechunk serve``: run the HTTP API with uvicorn (argument parsing here needs no web framework)."""

from __future__ import annotations

import argparse
import logging

from latechunk.defaults import DEFAULT_MODEL
from latechunk.serve.settings import API_KEY_ENV, ServeSettings, api_keys_from_env


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    model = parser.add_argument_group("model")
    model.add_argument("--model", default=DEFAULT_MODEL, help="hub id or local folder (default: %(default)s)")
    model.add_argument("--model-name", default=None, help="name reported in responses (default: last part of --model)")
    model.add_argument("--device", default=None, help="cuda, mps, cpu (default: automatic)")
    model.add_argument("--dtype", default=None, help="float32, bfloat16, float16 (default: automatic)")
    model.add_argument("--max-length", type=_positive, default=None, help="window in tokens (default: the model's)")
    model.add_argument("--batch-size", type=_positive, default=32, help="windows per forward pass (default 32)")
    model.add_argument("--max-batch-tokens", type=_positive, default=16384, help="padded tokens per batch")
    model.add_argument("--chunker", default="sentences", help="default chunker of /v1/chunk-embed")
    model.add_argument("--chunk-size", type=_positive, default=None, help="default chunk budget in tokens (32)")
    model.add_argument("--local-files-only", action="store_true", help="never contact the model hub")
    net = parser.add_argument_group("network")
    net.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; 0.0.0.0 for all)")
    net.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    net.add_argument(
        "--api-key",
        action="append",
        default=None,
        help=f"accepted Bearer key (repeatable; default ${API_KEY_ENV}, comma-separated; none: open server)",
    )
    net.add_argument("--graceful-timeout", type=float, default=30.0, help="seconds to finish requests on shutdown")
    net.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    limits = parser.add_argument_group("limits")
    limits.add_argument("--workers", type=_positive, default=4, help="model calls at once (threads, default 4)")
    limits.add_argument("--max-queue", type=int, default=64, help="requests waiting beyond --workers (default 64)")
    limits.add_argument("--max-inputs", type=_positive, default=2048, help="inputs per request (default 2048)")
    limits.add_argument(
        "--max-characters", type=_positive, default=4_000_000, help="characters per request (default 4,000,000)"
    )
    limits.add_argument(
        "--max-body-bytes", type=_positive, default=16 * 1024 * 1024, help="request body size (default 16 MiB)"
    )


def settings_from(args: argparse.Namespace) -> ServeSettings:
    """The server settings a parsed command line asks for."""
    return ServeSettings(
        model=args.model,
        model_name=args.model_name,
        device=args.device,
        dtype=args.dtype,
        max_length=args.max_length,
        batch_size=args.batch_size,
        max_batch_tokens=args.max_batch_tokens,
        local_files_only=args.local_files_only,
        chunker=args.chunker,
        chunk_size=args.chunk_size,
        workers=args.workers,
        max_queue=args.max_queue,
        max_inputs=args.max_inputs,
        max_characters=args.max_characters,
        max_body_bytes=args.max_body_bytes,
        api_keys=tuple(args.api_key) if args.api_key else api_keys_from_env(),
    )


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from latechunk.serve.app import create_app
    except ImportError as error:
        from latechunk.cli.errors import CliError

        raise CliError(f'{error}; install the server extra: pip install "latechunk[serve]"') from error
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings_from(args))
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,  # latechunk.serve.access logs one JSON line per request instead
        timeout_graceful_shutdown=args.graceful_timeout,
    )
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``serve`` on the ``latechunk`` command."""
    parser = subparsers.add_parser(
        "serve", help="run an embeddings HTTP API (jina / OpenAI compatible)", description=__doc__
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
