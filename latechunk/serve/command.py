"""``latechunk serve``: run the HTTP API with uvicorn (argument parsing here needs no web framework)."""

from __future__ import annotations

import argparse
import logging

from latechunk.options import OMITTED, CommandError, add_setting_option, nonnegative_int, positive_int, task_option
from latechunk.serve.settings import API_KEY_ENV, ServeSettings, api_keys_from_env
from latechunk.settings import LateChunkerSettings, setting_fields


def _add_late_chunker_options(parser: argparse.ArgumentParser) -> None:
    """One option per ``LateChunkerSettings`` field (name, help and default from the dataclass)."""
    group = parser.add_argument_group("model and defaults of every request (LateChunker settings)")
    for f in setting_fields():
        if f.name not in OMITTED:  # the token comes from HF_TOKEN; a server shows no progress bars
            shown = "" if f.default is None else f" (default: {f.default})"
            add_setting_option(group, f, default=f.default, help_suffix=shown)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add_late_chunker_options(parser)
    parser.add_argument("--model-name", default=None, help="name reported in responses (default: last part of --model)")
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
    limits.add_argument(
        "--workers",
        type=positive_int,
        default=32,
        help="requests handed to the engine at once (threads; it batches their model calls together; default 32)",
    )
    limits.add_argument(
        "--max-queue", type=nonnegative_int, default=128, help="requests waiting beyond --workers (default 128)"
    )
    limits.add_argument("--max-inputs", type=positive_int, default=2048, help="inputs per request (default 2048)")
    limits.add_argument(
        "--max-characters", type=positive_int, default=4_000_000, help="characters per request (default 4,000,000)"
    )
    limits.add_argument(
        "--max-body-bytes", type=positive_int, default=16 * 1024 * 1024, help="request body size (default 16 MiB)"
    )


def settings_from(args: argparse.Namespace) -> ServeSettings:
    """The server settings a parsed command line asks for."""
    values = {f.name: getattr(args, f.name) for f in setting_fields() if f.name not in OMITTED}
    values["task"] = task_option(values["task"], None)
    return ServeSettings(
        LateChunkerSettings(**values),
        model_name=args.model_name,
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
        raise CommandError(f'{error}; install the server extra: pip install "latechunk[serve]"') from error
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
