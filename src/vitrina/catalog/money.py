"""Prices as people in Kazakhstan read them: ``495000`` minor units → ``4 950 ₸``."""

from __future__ import annotations


def format_tenge(minor: int) -> str:
    """Minor units → ``4 950 ₸``: thousands spaced, tiyn after a comma only when there are some
    (``4 950,50 ₸``), as the shop's own pages write prices."""
    whole, tiyn = divmod(abs(minor), 100)
    text = f"{whole:,}".replace(",", " ")
    if tiyn:
        text += f",{tiyn:02d}"
    return f"{'-' if minor < 0 else ''}{text} ₸"
