"""Django's database cache with an atomic `incr`, for counters that several processes share.

Django's `DatabaseCache.incr` reads the value and writes it back in two steps, so two
processes counting at once can both write the same number and one attempt is lost. Here the
row is read and written in one transaction holding it: `SELECT … FOR UPDATE` on PostgreSQL;
on SQLite the settings open every transaction with `BEGIN IMMEDIATE`, which lets one writer in
at a time. The table is created by `motcua createcachetable` (docs/lookup.md).
"""

import base64
import pickle

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
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value_column} FROM {table} "
                f"WHERE {key_column} = %s AND {expires_column} >= %s{lock}",
                [key, connection.ops.adapt_datetimefield_value(now())],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found.")
            stored = connection.ops.process_clob(row[0])
            value = pickle.loads(base64.b64decode(stored.encode())) + delta
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {value_column} = %s WHERE {key_column} = %s", [pickled, key]
            )
        return value
