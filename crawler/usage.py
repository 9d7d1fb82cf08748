"""How every ``linkwacht`` command ends on a user's mistake: one clear line, exit code 2.

Shared by the command modules of linkwacht/, reports/ and scheduler/ (which cannot import
each other), so that the message form and the exit code live in one place.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from crawler.config import ConfigError
from crawler.register import RegisterError

EXIT_USAGE = 2


def fail(message: str) -> NoReturn:
    click.echo(f"linkwacht: {message}", err=True)
    sys.exit(EXIT_USAGE)


@contextmanager
def user_errors(*more: type[Exception]) -> Iterator[None]:
    """Configuration, register and database errors (and ``more``) end in ``fail``."""
    # Here, not at the top: the store's package brings SQLAlchemy, which a command loads
    # after the command line's start-up settings (linkwacht.cli.run) are in place.
    from crawler.store.db import StoreError

    caught: tuple[type[Exception], ...] = (ConfigError, RegisterError, StoreError, *more)
    try:
        yield
    except caught as exc:
        fail(str(exc))
