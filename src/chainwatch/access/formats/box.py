"""Box enterprise events (``GET /events?stream_type=admin_logs`` or ``admin_logs_streaming``)
and user events (reference: shared/reference/access-logs-and-ip-data.md §1.7; shapes from
developer.box.com's event resource, Elastic's ``box_events`` test data and panther-analysis
``rules/box_rules``).

Why it matters: Box is a studio-to-vendor delivery channel; the enterprise event stream keeps
a year of downloads, previews, uploads and collaboration invites with the client address, and
a shared-link open by someone who is not signed in appears as the "Unknown User" (id ``2``).

Input shapes: JSON lines (one event per line), a JSON array of events, and the API response
``{"chunk_size": n, "next_stream_position": ..., "entries": [...]}`` (pages concatenated one
per line are read too).

Normalization: ``created_at`` carries the account's offset (``-07:00``); it becomes UTC.
``source`` is either the enterprise form (``item_type``, ``item_id``, ``item_name``,
``parent``) or, in user events (``ITEM_DOWNLOAD``...), a full file object (``name``, ``id``,
``path_collection``, ``size``); the object is ``"<folder path>/<name> [id:<id>]"`` (the parent
folder only, in the enterprise form). The Unknown User (id ``2``, named "Unknown User")
becomes principal_type ``anonymous``; ``"Unknown IP"`` becomes a null address. Bytes are
``additional_details.size`` of a download or upload, else the file size in a user-event
``source`` (a preview's size is the file's, not bytes moved, and is not used). Box events
carry no user agent or HTTP status.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from chainwatch.access.formats.base import ParseReport
from chainwatch.access.formats.json_records import (
    as_int,
    as_ip,
    as_list,
    as_object,
    as_text,
    as_time,
    has_keys,
    json_head,
    parse_json_events,
    required_action,
)

ACTIONS: dict[str, str] = {
    **dict.fromkeys(("DOWNLOAD", "ITEM_DOWNLOAD"), "download"),
    **dict.fromkeys(("PREVIEW", "ITEM_PREVIEW", "ITEM_OPEN", "CONTENT_ACCESS"), "read"),
    **dict.fromkeys(("UPLOAD", "ITEM_UPLOAD", "EDIT", "ITEM_CREATE"), "upload"),
    **dict.fromkeys(("DELETE", "ITEM_TRASH", "ITEM_DELETE"), "delete"),
    **dict.fromkeys(
        (
            "SHARE",
            "ITEM_SHARED",
            "ITEM_SHARED_CREATE",
            "ITEM_SHARED_UPDATE",
            "UPDATE_SHARE_EXPIRATION",
            "COLLABORATION_INVITE",
            "COLLABORATION_ACCEPT",
            "COLLABORATION_ROLE_CHANGE",
            "COLLAB_ADD_COLLABORATOR",
            "COLLAB_INVITE_COLLABORATOR",
            "COLLAB_ROLE_CHANGE",
        ),
        "share",
    ),
    **dict.fromkeys(("LOGIN", "ADMIN_LOGIN", "FAILED_LOGIN", "SIGN_IN"), "login"),
}
UNKNOWN_USER_ID = "2"  # Box's id for anyone not signed in (shared-link visitors)


class BoxFormat:
    """Box admin_logs / admin_logs_streaming enterprise events and user events."""

    name = "box"
    title = "Box enterprise events (GET /events, admin_logs)"

    def sniff(self, head: str) -> bool:
        text = json_head(head)
        if text is None or has_keys(text, ".tag"):  # Dropbox unions carry .tag
            return False
        return has_keys(text, "event_type", "created_by") and (
            has_keys(text, "event_id") or has_keys(text, "entries") or has_keys(text, "source")
        )

    def parse(
        self, stream: TextIO, source_id: str, report: ParseReport
    ) -> Iterator[dict[str, Any]]:
        from chainwatch.access.formats.detect import note_decoding

        yield from parse_json_events(
            stream,
            source_id,
            report,
            source_format=self.name,
            to_events=box_events,
            envelope_keys=("entries",),
        )
        note_decoding(stream, report)


def box_events(event: dict[str, Any]) -> list[dict[str, Any]]:
    """One Box event as one normalized event."""
    raw_action = required_action(event.get("event_type"), "event_type")
    source = as_object(event.get("source"), "source")
    principal, principal_type = _actor(as_object(event.get("created_by"), "created_by"))
    action = ACTIONS.get(raw_action, "other")
    details = event.get("additional_details")  # a JSON string in some exports: ignored
    size = None
    if action in ("download", "upload"):  # a preview's "size" is the file's, not what moved
        if isinstance(details, dict):
            size = as_int(details.get("size"), "additional_details.size")
        if size is None and source.get("type") == "file":
            size = as_int(source.get("size"), "source.size")
    return [
        {
            "ts": as_time(event.get("created_at"), "created_at"),
            "src_ip": as_ip(event.get("ip_address"), "ip_address"),
            "principal": principal,
            "principal_type": principal_type,
            "action": action,
            "raw_action": raw_action,
            "object": _object(source),
            "bytes": size,
        }
    ]


def _actor(created_by: dict[str, Any]) -> tuple[str | None, str | None]:
    if not created_by:
        return None, None
    user_id = as_text(created_by.get("id"), "created_by.id")
    login = as_text(created_by.get("login"), "created_by.login")
    name = as_text(created_by.get("name"), "created_by.name")
    if user_id == UNKNOWN_USER_ID or (not login and name == "Unknown User"):
        return login, "anonymous"
    if login:
        return login, "email" if "@" in login else "username"
    return (user_id, "user_id") if user_id else (None, None)


def _object(source: dict[str, Any]) -> str | None:
    """The item's folder path and name, with its id; None for non-item sources (users)."""
    if "item_name" in source or "item_id" in source:  # enterprise (admin_logs) form
        name = as_text(source.get("item_name"), "source.item_name")
        item_id = as_text(source.get("item_id"), "source.item_id")
        parent = as_text(as_object(source.get("parent"), "source.parent").get("name"), "parent")
        folders = [parent] if parent else []
    elif source.get("type") in ("file", "folder", "web_link"):  # user-event item object
        name = as_text(source.get("name"), "source.name")
        item_id = as_text(source.get("id"), "source.id")
        entries = as_object(source.get("path_collection"), "source.path_collection")
        folders = [
            as_text(as_object(e, "path_collection.entries").get("name"), "path_collection")
            for e in as_list(entries.get("entries"), "source.path_collection.entries")
        ]
        folders = [f for f in folders if f and f != "All Files"]
    else:
        return None
    path = "/".join([*[f for f in folders if f], *([name] if name else [])])
    if item_id:
        return f"{path} [id:{item_id}]" if path else f"[id:{item_id}]"
    return path or None
