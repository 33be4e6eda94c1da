"""Where the CLI writes: Rich consoles, made when a command first prints.

Importing Rich costs about a tenth of a second; ``vitrina serve`` prints nothing before it
answers ``/healthz``, so the consoles (and Rich) wait for the first command that does (issue 20).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@cache
def out(*, soft_wrap: bool = False) -> Console:
    """The console on stdout (``soft_wrap``: never break a secret or a URL across lines)."""
    from rich.console import Console

    return Console(soft_wrap=soft_wrap)


@cache
def err() -> Console:
    """The console on stderr: errors, and what a command says beside its output."""
    from rich.console import Console

    return Console(stderr=True)


def escape(text: str) -> str:
    """``text`` with Rich's markup characters escaped (a path or a message printed as is)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)
