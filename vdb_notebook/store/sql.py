"""`store.sql(query)`: DuckDB over the store's Arrow batches, with the views as tables.

DuckDB scans the Arrow data in place (no conversion to pandas or to its own format). Times
are shown in UTC whatever the machine's time zone.

    >>> from vdb_notebook.store import EventStore
    >>> store = EventStore()
    >>> _ = store.add({"channel": "transcript", "rtstream_id": "rts-1", "data": {"text": "hi"}})
    >>> store.sql("select channel, count(*) as n from events group by channel").values.tolist()
    [['transcript', 1]]
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from .._optional import require

if TYPE_CHECKING:
    from .store import EventStore

#: Every table a query can name.
TABLES = ("events", "transcript", "alerts", "scenes", "audio", "lifecycle", "sessions")
#: Tables filled by the store's view of the same name.
VIEW_TABLES = ("transcript", "alerts", "scenes", "audio")
_LIFECYCLE = ("select * from _capture_session qualify row_number() over "
              "(partition by capture_session_id, event order by seq) = 1")


def run(store: EventStore, query: str) -> pd.DataFrame:
    """The result of `query` over tables events, transcript, alerts, scenes, audio, lifecycle
    and sessions (each with every column of `.df`; the view tables add `stream`), read through
    the store's public `arrow_table(name)` and `sessions()`."""
    if not isinstance(query, str) or not query.strip():
        raise ValueError(f"sql takes a query string, e.g. 'select * from events', not {query!r}")
    mentioned = set(re.findall(r"[A-Za-z_]+", query.lower()))
    duckdb = require("duckdb", "sql")  # DuckDB comes with the [sql] extra
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("events", store.arrow_table("events"))
        for table in VIEW_TABLES:
            if table in mentioned:
                con.register(table, store.arrow_table(table))
        if "lifecycle" in mentioned:
            con.register("_capture_session", store.arrow_table("lifecycle"))
            con.execute(f"create view lifecycle as {_LIFECYCLE}")
        if "sessions" in mentioned:
            con.register("sessions", store.sessions())
        result: pd.DataFrame = con.execute(query).df()
        return result
    except duckdb.CatalogException as exc:
        first = str(exc).splitlines()[0]  # DuckDB's "Did you mean" names its system tables
        raise ValueError(f"{first}\nThe store's tables are: {', '.join(TABLES)} (e.g. "
                         "'select * from transcript'; each has every column of store.df, the "
                         "views add `stream`)") from None
    finally:
        con.close()
