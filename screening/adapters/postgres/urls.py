"""PostgreSQL URLs, without the driver: which settings name PostgreSQL, and
how a URL may be shown."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

SCHEMES = ("postgres", "postgresql")


def is_postgres_url(database: str) -> bool:
    return "://" in database and urlsplit(database).scheme in SCHEMES


def shown(url: str) -> str:
    """The URL as it may appear in messages and logs: no password, in the
    user part or the parameters (the others stay: options may name the schema)."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"],
                      quote_via=quote)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc, query=query))
