"""A frame as received, as text an Arrow string column can hold (and back): the store keeps
frames its columns cannot rebuild this way, and their event key hashes this text too."""
from __future__ import annotations

import json
from typing import Any

#: How the text holds the frame: as received (text), a dict's compact JSON, or JSON-escaped
#: text (a str with lone surrogates, which Arrow's UTF-8 cannot hold).
RAW_TEXT, RAW_DICT, RAW_ESCAPED = 0, 1, 2


def arrow_raw(raw: Any) -> tuple[str, int]:
    """A frame as received -> (text an Arrow string can hold, RAW_* kind)."""
    if type(raw) is dict:
        return compact_json(raw), RAW_DICT
    if not isinstance(raw, str):
        return repr(raw), RAW_TEXT
    try:
        raw.encode("utf-8")
        return raw, RAW_TEXT
    except UnicodeEncodeError:
        return json.dumps(raw), RAW_ESCAPED


def from_arrow_raw(raw: str | None, kind: int | None) -> Any:
    """The inverse of arrow_raw."""
    if raw is None or not kind:
        return raw
    return json.loads(raw)


def compact_json(frame: dict[str, object]) -> str:
    """A dict frame as compact JSON text (immune to later mutation by the caller)."""
    text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"), default=str)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:  # lone surrogates: ASCII escapes keep them
        return json.dumps(frame, separators=(",", ":"), default=str)
