"""PostgreSQL: timestamps and JSON text read by psycopg's C loaders, not Python ones.

Django 5.2 registers its own loaders on each psycopg 3 connection: for `timestamptz` a
subclass of psycopg's pure-Python loader that then sets the time zone on each value, for
`jsonb` psycopg's pure-Python text loader. Both bypass the compiled implementation that
`psycopg[binary]` brings: a work-queue page reads some 200 timestamps, about 6 ms of Python
per request, a parse by regular expression each (docs/performance.md).

With the connection's time zone UTC (Django sets it so under USE_TZ, unless the database's
TIME_ZONE setting says otherwise), psycopg's C loader gives the very values Django's does,
`datetime.timezone.utc` included; the JSON text is the same string. So, on each new
connection (`connection_created`, connected in CoreConfig.ready), the C loaders are
registered on that connection, keeping the `timezone` attribute Django's cursors look for.
Nothing changes when psycopg runs without its C implementation or the zone is not UTC.
"""

from __future__ import annotations

from datetime import UTC

_loaders: dict = {}


def _c_loaders() -> dict:
    """{type name: loader class} of psycopg's C loaders, once per process (empty without
    the compiled implementation)."""
    if not _loaders:
        import psycopg
        from psycopg.adapt import Loader
        from psycopg.pq import Format

        if psycopg.pq.__impl__ not in ("c", "binary"):
            _loaders["none"] = None
            return {}
        types = psycopg.postgres.types
        compiled = psycopg.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)

        class UtcTimestamptzLoader(Loader):
            """psycopg's C loader (a final class) behind the `timezone` attribute Django's
            cursors compare with the connection's."""

            timezone = UTC

            def __init__(self, oid, context=None):
                super().__init__(oid, context)
                self.load = compiled(oid, context).load  # the call, without a frame of ours

            def load(self, data):  # pragma: no cover (replaced on each instance)
                raise NotImplementedError

        _loaders["timestamptz"] = UtcTimestamptzLoader
        _loaders["jsonb"] = psycopg.adapters.get_loader(types["text"].oid, Format.TEXT)
    return {name: loader for name, loader in _loaders.items() if loader is not None}


def use_c_loaders(sender, connection, **kwargs) -> None:
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    raw = connection.connection
    if raw.info.parameter_status("TimeZone") != "UTC":
        return
    for name, loader in _c_loaders().items():
        raw.adapters.register_loader(name, loader)
