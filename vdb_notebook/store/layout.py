"""Where a dataset keeps what: partition folders that are always valid paths, the format marker.

A row lives under `date=YYYY-MM-DD/session=<value>/`, or `session=_mixed` (MIXED) when the flush
that wrote it held many sessions. The folder only narrows a search: every
file also holds `capture_session_id` itself, and readers filter rows on it, so any id (long,
Unicode, `/`, `=`, `..`, empty) is read back exactly, and two ids that share a folder (a
truncated long id, a case-insensitive disk) never mix.

    >>> session_value("cap-1"), session_value(None), session_value("__none__"), session_value("")
    ('cap-1', '__none__', 'id-__none__', 'id-')
    >>> session_folder("team/a"), session_folder("..")
    ('session=team%2Fa', 'session=..')
    >>> len(session_folder("\\N{GRINNING FACE}" * 22).encode()) <= MAX_FOLDER_BYTES
    True
"""
from __future__ import annotations

import hashlib
from urllib.parse import quote

from ..events.fields import valid_unicode

#: The folder value of rows that belong to no capture session. An id is its own folder value
#: unless it is empty or starts with `_`: those get ID_PREFIX, so no id can land in it.
NO_SESSION = "__none__"
ID_PREFIX = "id-"
#: Folder names stay well under the 255 bytes most file systems allow.
MAX_FOLDER_BYTES = 200
_KEPT_BYTES = 150  # of a long id's quoted text, before its hash
REJECTED_DIR = "_rejected"
FORMAT_FILE = "_format.json"
#: The folder value of a flush of many sessions' rows (`session=_mixed`): one file per
#: date instead of one per session (a fleet's flush would make a file for each), which
#: compaction moves to the sessions' own folders. No id has it (see NO_SESSION).
MIXED = "_mixed"
#: A flush holding rows of more sessions than this writes them to MIXED.
MIXED_OVER = 8
#: 1: the release before format versions (no marker; `seq` per store, one writer).
#: 2: files carry `writer`; rows are unique by (writer, seq) and deduplicated by `key`.
#: 3: `session=_mixed` folders hold rows of many sessions (readers of 2 would miss them).
FORMAT = 3


def session_value(capture_session_id: str | None) -> str:
    """The (decoded) folder value for a session id: readers compare against this."""
    if capture_session_id is None:
        return NO_SESSION
    value = valid_unicode(capture_session_id)
    if not value or value.startswith("_"):
        value = ID_PREFIX + value
    if len(_quoted(value)) <= MAX_FOLDER_BYTES - len("session="):
        return value
    kept = ""
    for char in value:
        if len(_quoted(kept + char)) > _KEPT_BYTES:
            break
        kept += char
    digest = hashlib.blake2b(capture_session_id.encode("utf-8", "surrogatepass"),
                             digest_size=8).hexdigest()
    return f"{kept}~{digest}"


def session_folder(capture_session_id: str | None) -> str:
    """`session=<value>`, percent-encoded (hive partitioning decodes it when reading)."""
    return f"session={_quoted(session_value(capture_session_id))}"


def folder_values(capture_session_id: str) -> list[str]:
    """Folder values that may hold `capture_session_id`'s rows: this format's, the one before
    (which used the id itself), and MIXED."""
    return [session_value(capture_session_id), valid_unicode(capture_session_id), MIXED]


def _quoted(value: str) -> str:
    return quote(value, safe="")
