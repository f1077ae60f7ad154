"""Collections: the containers capture sessions, rtstreams and videos live in.

A self-contained piece of the state (as moto's KeyPairBackend): it touches only its own
records. There is always a 'default' collection; others are made with
`conn.create_collection(...)` and answer as openapi.yaml's Collection
`{id, name, description, is_public}`.

    >>> from vdb_notebook.emulator.models import Ids
    >>> folders = Collections(Ids(0))
    >>> made = folders.create({"name": "Support calls", "description": "Agent desktops"})
    >>> made["id"].startswith("c-"), folders.get(made["id"])["is_public"]
    (True, False)
"""
from __future__ import annotations

from typing import Any

from .errors import BadRequest, NotFound, string_field
from .models import Ids

DEFAULT = {"id": "default", "name": "Default Collection",
           "description": "The emulator's default collection", "is_public": False}



class Collections:
    """Collections by id."""

    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self.by_id: dict[str, dict[str, Any]] = {"default": dict(DEFAULT)}

    def get(self, cid: str) -> dict[str, Any]:
        if cid not in self.by_id:
            raise NotFound(f"collection {cid!r} not found; use 'default' or one made with "
                           f"conn.create_collection() (known: {sorted(self.by_id)})")
        return self.by_id[cid]

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """conn.create_collection(name, description, is_public)."""
        name = string_field(body, "name")
        if not name:
            raise BadRequest("name is required: conn.create_collection(name='Support calls', description='...')")
        collection: dict[str, Any] = {"id": self.ids.new("c"), "name": name, "description": string_field(body, "description") or "",
                      "is_public": False}
        cid = str(collection["id"])
        self.by_id[cid] = collection
        return self.update(cid, {"is_public": body.get("is_public", False)})

    def update(self, cid: str, body: dict[str, Any]) -> dict[str, Any]:
        """conn.update_collection(id, name, description), coll.make_public() / make_private()."""
        collection = self.get(cid)
        public = body.get("is_public", collection["is_public"])
        if not isinstance(public, bool):
            raise BadRequest(f"is_public must be true or false, not {public!r}")
        for key in ("name", "description"):
            value = string_field(body, key)
            if value is not None:
                collection[key] = value
        collection["is_public"] = public
        return collection

    def delete(self, cid: str) -> None:
        """coll.delete(): any collection but 'default'."""
        self.get(cid)
        if cid == "default":
            raise BadRequest("the default collection cannot be deleted; delete one made with "
                             "conn.create_collection()")
        del self.by_id[cid]


__all__ = ["Collections"]
