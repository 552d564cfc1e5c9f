"""Google Drive audit activities from the Admin SDK Reports API (``activities.list`` with
``applicationName=drive``; reference: shared/reference/access-logs-and-ip-data.md §1.4, event
names from Google's "Drive Audit Activity Events" appendix).

Why it matters: Drive is where many studios share animatics and sheets with vendors; the
Reports API keeps 180 days of who viewed, downloaded, printed or re-shared each document and
from which address, including actors outside the studio's domain.

Input shapes: JSON lines (one activity per line, as SIEM exporters write them), a JSON array
of activities, and the API response page ``{"kind": "admin#reports#activities", "items":
[...], "nextPageToken": ...}`` (several pages concatenated, one per line, are read too).

One activity can hold several ``events`` (Google groups actions that happened together); each
becomes one normalized event. ``source_line`` is the activity's line or record index; when an
activity yields several events each event's index in ``events`` is part of its record id (see
``json_records``), so ids stay unique and stable. Parameters (``doc_id``, ``doc_title``,
``visibility``...) come as ``{"name", "value" | "boolValue" | "intValue" | "multiValue"}``
pairs; an already-flattened ``parameters`` object (Panther's normalized form) and an
``events`` object instead of a list (Elastic's split form) are accepted too.

Normalization: ``object`` is ``"<doc_title> [id:<doc_id>]"`` so a title prefix match still
works and the id stays unambiguous. The actor is its ``email`` (principal_type ``email``), an
API key (``app``), a bare ``profileId`` (``user_id``) or, with none of these, ``anonymous``
(link visitors who are not signed in; Google does not document that shape exactly, so this is
a fallback). Activities of other Reports applications in a mixed export (``login``) are
kept, their event name as raw_action. Drive logs no user agent, byte count or HTTP status;
``print`` counts as a download (the content leaves Drive), ``copy`` as other (the copy stays
inside Drive).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from chainwatch.access.formats.base import ParseReport
from chainwatch.access.formats.json_records import (
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
    **dict.fromkeys(("download", "print"), "download"),
    **dict.fromkeys(("view", "preview"), "read"),
    **dict.fromkeys(("upload", "edit", "create"), "upload"),
    **dict.fromkeys(("delete", "trash"), "delete"),
    **dict.fromkeys(
        (
            "change_user_access",
            "change_document_visibility",
            "change_document_access_scope",
            "change_acl_editors",
            "change_user_access_hierarchy_reconciled",
            "change_document_access_scope_hierarchy_reconciled",
            "shared_drive_membership_change",
        ),
        "share",
    ),
    # Same API, applicationName=login: kept when a mixed Reports export holds them.
    **dict.fromkeys(("login_success", "login_failure", "login_challenge"), "login"),
}


class GoogleDriveFormat:
    """Google Workspace Drive audit activities (Admin SDK Reports API)."""

    name = "gdrive"
    title = "Google Drive audit (Admin SDK Reports API, applicationName=drive)"

    def sniff(self, head: str) -> bool:
        text = json_head(head)
        if text is None:
            return False
        return "admin#reports#activit" in text or (
            has_keys(text, "uniqueQualifier", "applicationName") and has_keys(text, "events")
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
            to_events=gdrive_events,
            envelope_keys=("items",),
        )
        note_decoding(stream, report)


def gdrive_events(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """One Reports API activity as one event per entry of its ``events``."""
    ident = as_object(activity.get("id"), "id")
    ts = as_time(ident.get("time"), "id.time")
    src_ip = as_ip(activity.get("ipAddress"), "ipAddress")
    principal, principal_type = _actor(as_object(activity.get("actor"), "actor"))
    entries = activity.get("events")
    entries = [entries] if isinstance(entries, dict) else as_list(entries, "events")
    out = []
    for i, entry in enumerate(entries):
        entry = as_object(entry, f"events[{i}]")
        raw_action = required_action(entry.get("name"), f"events[{i}].name")
        params = _parameters(entry.get("parameters"), f"events[{i}].parameters")
        out.append(
            {
                "ts": ts,
                "src_ip": src_ip,
                "principal": principal,
                "principal_type": principal_type,
                "action": ACTIONS.get(raw_action, "other"),
                "raw_action": raw_action,
                "object": _object(params),
            }
        )
    return out


def _actor(actor: dict[str, Any]) -> tuple[str | None, str]:
    email = as_text(actor.get("email"), "actor.email")
    if email:
        return email, "email"
    key = as_text(actor.get("key"), "actor.key")
    if key:
        return key, "app"
    profile = as_text(actor.get("profileId"), "actor.profileId")
    if profile:
        return profile, "user_id"
    return None, "anonymous"


def _parameters(value: Any, field: str) -> dict[str, Any]:
    """``[{"name": ..., "value": ...}]`` as a dict (an already-flat dict is kept)."""
    if isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for i, param in enumerate(as_list(value, field)):
        param = as_object(param, f"{field}[{i}]")
        name = as_text(param.get("name"), f"{field}[{i}].name")
        if name is None:
            continue
        for kind in ("value", "boolValue", "intValue", "multiValue", "multiIntValue"):
            if kind in param:
                out[name] = param[kind]
                break
    return out


def _object(params: dict[str, Any]) -> str | None:
    title = as_text(params.get("doc_title"), "doc_title")
    doc_id = as_text(params.get("doc_id"), "doc_id")
    if title and doc_id:
        return f"{title} [id:{doc_id}]"
    return title or (f"[id:{doc_id}]" if doc_id else None)
