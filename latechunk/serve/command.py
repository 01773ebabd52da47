"""``latechunk serve``: the command line of the HTTP API (parsing it needs no web framework)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from latechunk.options import OMITTED, CommandError, add_setting_options, task_option
from latechunk.serve.settings import (
    API_KEY_ENV,
    DESCRIPTION,
    ServeSettings,
    api_keys_from_env,
    api_keys_from_file,
    parse_api_keys,
    server_fields,
)
from latechunk.settings import LateChunkerSettings, setting_fields


def _add_late_chunker_options(parser: argparse.ArgumentParser) -> None:
    """One option per ``LateChunkerSettings`` field (name, help and default from the dataclass)."""
    group = parser.add_argument_group("model and defaults of every request (LateChunker settings)")
    # the token comes from HF_TOKEN; a server shows no progress bars
    names = tuple(f.name for f in setting_fields() if f.name not in OMITTED)
    add_setting_options(group, names, {f.name: f.default for f in setting_fields()})


def _number_at_least(kind: type, minimum: float) -> Callable[[str], Any]:
    """An argparse type: a ``kind`` (int or float) of at least ``minimum``."""

    def parse(value: str) -> Any:
        number = kind(value)
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return number

    parse.__name__ = kind.__name__  # argparse names the type in its "invalid int value" message
    return parse


def _add_server_options(group: argparse._ArgumentGroup, fields: tuple[dataclasses.Field, ...]) -> None:
    """One option per ``ServeSettings`` limit or timeout (name, default and help from the dataclass)."""
    for f in fields:
        kind = type(f.default)
        group.add_argument(
            "--" + f.name.replace("_", "-"),
            type=_number_at_least(kind, f.metadata["minimum"]),
            default=f.default,
            help=f"{f.metadata['help']} (default {f.default:,})".replace("%", "%%"),
        )


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
        help=f"accepted Bearer key (repeatable; default ${API_KEY_ENV}, comma-separated; none: open server; a "
        "blank or malformed list is an error)",
    )
    net.add_argument(
        "--api-key-file",
        default=None,
        metavar="PATH",
        help="file of accepted Bearer keys, one or more per line (comma-separated; # comments); with --api-key both",
    )
    net.add_argument("--graceful-timeout", type=float, default=30.0, help="seconds to finish requests on shutdown")
    net.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    _add_server_options(net, server_fields("network"))
    _add_server_options(parser.add_argument_group("limits"), server_fields("limits"))


def settings_from(args: argparse.Namespace) -> ServeSettings:
    """The server settings a parsed command line asks for."""
    values = {f.name: getattr(args, f.name) for f in setting_fields() if f.name not in OMITTED}
    values["task"] = task_option(values["task"], None)
    keys = tuple(parse_api_keys(key, "--api-key") for key in args.api_key or ())
    if args.api_key_file is not None:
        keys += (api_keys_from_file(args.api_key_file),)
    return ServeSettings(
        LateChunkerSettings(**values),
        model_name=args.model_name,
        api_keys=tuple(k for group in keys for k in group) if keys else api_keys_from_env(),
        **{f.name: getattr(args, f.name) for f in server_fields()},
    )


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)  # a bad key list stops here, before anything starts
    try:
        from latechunk.serve.app import create_app
        from latechunk.serve.server import serve
    except ImportError as error:
        raise CommandError(f'{error}; install the server extra: pip install "latechunk[serve]"') from error
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(
        create_app(settings),
        settings,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        graceful_timeout=args.graceful_timeout,
    )
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``serve`` on the ``latechunk`` command."""
    parser = subparsers.add_parser(
        "serve",
        help="run an embeddings HTTP API (jina / OpenAI compatible)",
        description=DESCRIPTION,
        epilog="Example: latechunk serve --port 8080 --api-key-file keys.txt  (then POST http://127.0.0.1:8080/v1/"
        "embeddings with 'Authorization: Bearer KEY')",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
