"""Django's database cache with an atomic `incr`, for counters that several processes share.

Django's `DatabaseCache.incr` reads the value and writes it back in two steps, so two
processes counting at once can both write the same number and one attempt is lost. Here the
row is read and written in one transaction holding it: `SELECT … FOR UPDATE` on PostgreSQL;
on SQLite the settings open every transaction with `BEGIN IMMEDIATE`, which lets one writer in
at a time. The table is created by `motcua createcachetable` (docs/lookup.md).

`add` is one statement (an upsert that takes the key when it is absent or expired), and it
never culls a live row: Django's version counts the whole table on every write and, over
`MAX_ENTRIES`, deletes a third of the rows, live counters included, so that a flood of
distinct keys could reset someone's count. Here a new row clears the expired ones only.
`incr` takes no savepoint inside a caller's transaction, so that the lookup can count its
two attempts with one commit (core/ratelimit.py `attempt_all`).
"""

import base64
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends import db
from django.db import connections, router, transaction
from django.utils.timezone import now


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table, value_column = quote(self._table), quote("value")
        key_column, expires_column = quote("cache_key"), quote("expires")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # No savepoint: nothing in the block raises but the database, which spoils the whole
        # transaction anyway; a missing key is reported after the block.
        with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value_column} FROM {table} "
                f"WHERE {key_column} = %s AND {expires_column} >= %s{lock}",
                [key, connection.ops.adapt_datetimefield_value(now())],
            )
            row = cursor.fetchone()
            if row is not None:
                stored = connection.ops.process_clob(row[0])
                value = pickle.loads(base64.b64decode(stored.encode())) + delta
                pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol))
                cursor.execute(
                    f"UPDATE {table} SET {value_column} = %s WHERE {key_column} = %s",
                    [pickled.decode("latin1"), key],
                )
        if row is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def add(self, key, value, timeout=db.DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table, value_column = quote(self._table), quote("value")
        key_column, expires_column = quote("cache_key"), quote("expires")
        moment = now().replace(microsecond=0)
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        adapt = connection.ops.adapt_datetimefield_value
        expires, moment = adapt(expires.replace(microsecond=0)), adapt(moment)
        pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) "
                f"VALUES (%s, %s, %s) ON CONFLICT ({key_column}) DO UPDATE SET "
                f"{value_column} = EXCLUDED.{value_column}, "
                f"{expires_column} = EXCLUDED.{expires_column} "
                f"WHERE {table}.{expires_column} < %s",
                [key, pickled, expires, moment],
            )
            added = cursor.rowcount == 1
            if added:
                cursor.execute(f"DELETE FROM {table} WHERE {expires_column} < %s", [moment])
        return added
