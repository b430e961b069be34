"""What every CLI command shares: settings, the app, one-line errors, JSON or table output."""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from enum import StrEnum
from typing import Any, NoReturn, TextIO

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import SQLAlchemyError

from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain.errors import OrdexError

err = Console(stderr=True)
out = Console()
_own_stdout: TextIO | None = None


def reserve_stdout() -> None:
    """Keep standard output for ordex's own output alone.

    Native libraries write to file descriptor 1 behind Python's back (HiGHS prints a banner when
    a solver object is created), which would break every `--format json` document. The real
    stdout moves to a private descriptor that only `out` and `emit` write to; descriptor 1 and
    `sys.stdout` then point at stderr, so anything else printed lands there instead.
    """
    global _own_stdout
    if _own_stdout is not None:
        return
    try:
        sys.stdout.flush()
        private = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no usable descriptor 1 (detached): nothing to protect
        return
    _own_stdout = os.fdopen(private, "w", encoding="utf-8", errors="replace",
                            closefd=True)
    out.file = _own_stdout
    sys.stdout = sys.stderr
    atexit.register(_own_stdout.flush)


def own_stdout() -> TextIO:
    """The stream of ordex's own output (the real stdout)."""
    return _own_stdout if _own_stdout is not None else sys.stdout


class Format(StrEnum):
    """Output format of reporting commands."""

    text = "text"
    json = "json"


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one clear line (one per problem when the message lists several) and exit."""
    for line in message.splitlines() or [""]:
        err.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every failure into one clear line (ORDEX_DEBUG=1 shows the traceback)."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except OrdexError as exc:
        fail(str(exc))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        fail(f"configuration {where}: {first['msg']}")
    except SQLAlchemyError as exc:
        reason = str(exc.orig if getattr(exc, "orig", None) else exc).strip().splitlines()[0]
        fail(f"database: {reason}")
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or ''}".strip(": "))
    except Exception as exc:  # the last line of defence: no stack trace reaches a user
        if os.environ.get("ORDEX_DEBUG"):
            raise
        fail(f"unexpected {type(exc).__name__}: {exc} (set ORDEX_DEBUG=1 for details)", 1)


def prime_in_background(app: App) -> threading.Thread:
    """Warm the postal index and the reference cache from a thread (docs/scaling.md,
    "Reference cache").

    Orders that arrive first are served meanwhile; they read what they need themselves. A
    failure only means a cold cache: it is logged, never raised.
    """
    def prime() -> None:
        try:
            app.warm_up()
        except Exception:  # a cold cache is slower, never wrong
            logging.getLogger("ordex.reference_cache").warning("priming failed", exc_info=True)
    thread = threading.Thread(target=prime, name="ordex-prime-reference", daemon=True)
    thread.start()
    return thread


def make_app(db: str | None, *, deliver_inline: bool = True) -> App:
    """Settings from the environment, overridden by --db; schema brought up to date.

    `deliver_inline`: a one-shot command delivers the ERP commands it wrote before it exits;
    `serve` and `worker` leave delivery to the worker loop.
    """
    settings = Settings(database_url=db) if db else Settings()
    app = bootstrap(settings, deliver_inline=deliver_inline)
    app.migrate()
    return app


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def emit(data: Any, fmt: Format, text: Callable[[Any], None]) -> None:
    """Print JSON, or call the human renderer."""
    if fmt is Format.json:
        stream = own_stdout()
        stream.write(json.dumps(data, indent=2, default=_default) + "\n")
        stream.flush()
    else:
        text(data)
