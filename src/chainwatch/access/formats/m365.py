"""Microsoft 365 unified audit log: SharePoint / OneDrive file operations, sharing and sign-ins
(reference: shared/reference/access-logs-and-ip-data.md §1.5; field names from the Office 365
Management Activity API schema, MicrosoftDocs/office-365-management-api).

Why it matters: studios hand vendors OneDrive/SharePoint folders; ``FileDownloaded`` and
``FileSyncDownloadedFull`` show which account pulled which file from which address, and
``AnonymousLinkUsed`` shows an "anyone with the link" URL being opened by someone who never
signed in, which is how files leave a subcontracting chain without a name attached.

Input shapes: JSON lines (one audit record per line), a JSON array (a Management API content
blob), a Graph ``{"value": [...]}`` page of ``auditLogRecord`` (its ``auditData`` is used), and
the Purview audit-search CSV export (``CreationDate, UserIds, Operations, AuditData`` or the
newer ``RecordId, CreationDate, RecordType, Operation, UserId, AuditData, ...``; a PowerShell
``#TYPE`` first line is skipped). ``AuditData`` is the JSON record; its ``CreationTime`` (UTC,
written without ``Z``) is the event time. The CSV ``CreationDate`` is used only when AuditData
has no time, and only in ISO form: exports write it in the exporter's locale (day-first or
month-first), which cannot be told apart safely.

Normalization: ``ClientIP`` (Exchange ``ClientIPAddress``, Entra ``ActorIpAddress``) loses
brackets and port; IPv4-mapped IPv6 becomes IPv4. Anonymous link users
(``UserId``/``UserKey`` ``urn:spo:anon#...`` or ``anonymous``) get principal_type
``anonymous``; service identities (UserType System/Application/ServicePrincipal) get ``app``.
M365 records carry no HTTP status or byte count (``FileSizeBytes`` is used when present).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from chainwatch.access.formats.base import ParseReport
from chainwatch.access.formats.json_records import (
    RecordError,
    as_int,
    as_ip,
    as_list,
    as_object,
    as_text,
    as_time,
    has_keys,
    json_error,
    json_head,
    numbered_lines,
    parse_json_events,
    record_events,
    required_action,
    take_head,
)

ACTIONS: dict[str, str] = {
    **dict.fromkeys(
        ("FileDownloaded", "FileSyncDownloadedFull", "FileSyncDownloadedPartial"), "download"
    ),
    **dict.fromkeys(
        ("FileAccessed", "FileAccessedExtended", "FilePreviewed", "PageViewed"), "read"
    ),
    # Content written into the site counts as an upload: the normalized actions have no "write".
    **dict.fromkeys(
        (
            "FileUploaded",
            "FileModified",
            "FileModifiedExtended",
            "FileSyncUploadedFull",
            "FileSyncUploadedPartial",
            "FileCheckedIn",
            "FileRestored",
        ),
        "upload",
    ),
    **dict.fromkeys(
        (
            "FileDeleted",
            "FileDeletedFirstStageRecycleBin",
            "FileDeletedSecondStageRecycleBin",
            "FileRecycled",
            "FolderDeleted",
            "FolderRecycled",
        ),
        "delete",
    ),
    # Creating, changing and *using* sharing links are all "share": the link is the grant.
    **dict.fromkeys(
        (
            "SharingSet",
            "SharingInvitationCreated",
            "SharingInvitationAccepted",
            "AddedToGroup",
            "AnonymousLinkCreated",
            "AnonymousLinkUpdated",
            "AnonymousLinkUsed",
            "CompanyLinkCreated",
            "CompanyLinkUsed",
            "SecureLinkCreated",
            "SecureLinkUsed",
            "AddedToSecureLink",
            "SharingLinkCreated",
            "AccessInvitationCreated",
            "AccessInvitationAccepted",
        ),
        "share",
    ),
    **dict.fromkeys(("UserLoggedIn", "UserLoginFailed", "MailboxLogin"), "login"),
}

# UserType enum of the common schema (numbers in the API, names in Purview exports).
_APP_USER_TYPES = {"4", "5", "6", "system", "application", "serviceprincipal"}
_SYSTEM_IDS = {"app@sharepoint", "sharepoint\\system"}  # SharePoint's own service account
_CSV_TIME_COLUMNS = ("CreationDate", "CreationTime")
_CSV_FIRST = ("CreationDate", "AuditData")


class M365Format:
    """Office 365 Management Activity API records and Purview audit-search exports."""

    name = "m365"
    title = "Microsoft 365 unified audit log (SharePoint / OneDrive / Entra)"

    def sniff(self, head: str) -> bool:
        text = json_head(head)
        if text is not None:
            return has_keys(text, "CreationTime", "Operation") or has_keys(
                text, "auditLogRecordType", "auditData"
            )
        return _csv_header(head) is not None

    def parse(
        self, stream: TextIO, source_id: str, report: ParseReport
    ) -> Iterator[dict[str, Any]]:
        from chainwatch.access.formats.detect import note_decoding

        head = take_head(stream)
        if _csv_header(head) is not None:
            yield from _parse_csv(numbered_lines(head, stream), source_id, report)
        else:
            yield from parse_json_events(
                stream,
                source_id,
                report,
                source_format=self.name,
                to_events=m365_events,
                envelope_keys=("value",),
                head=head,
            )
        note_decoding(stream, report)


def m365_events(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One audit record (or a CSV row / Graph record wrapping one) as one event."""
    outer = record
    audit = _audit_data(record)
    user_id = as_text(audit.get("UserId"), "UserId") or as_text(
        outer.get("UserIds") or outer.get("UserId"), "UserIds"
    )
    user_key = as_text(audit.get("UserKey"), "UserKey")
    ts_field, ts_value = "CreationTime", audit.get("CreationTime")
    if ts_value in (None, ""):
        ts_field, ts_value = _fallback_time(outer)
    raw_action = required_action(
        audit.get("Operation") or outer.get("Operations") or outer.get("Operation"), "Operation"
    )
    principal, principal_type = _principal(user_id, user_key, audit.get("UserType"))
    return [
        {
            "ts": as_time(ts_value, ts_field),
            "src_ip": _client_ip(audit),
            "principal": principal,
            "principal_type": principal_type,
            "action": ACTIONS.get(raw_action, "other"),
            "raw_action": raw_action,
            "object": _object(audit),
            "bytes": as_int(audit.get("FileSizeBytes"), "FileSizeBytes"),
            "user_agent": _user_agent(audit),
        }
    ]


def _audit_data(record: dict[str, Any]) -> dict[str, Any]:
    """The Management-API-shaped record inside a CSV row or Graph record, or the record."""
    for key in ("AuditData", "auditData"):
        inner = record.get(key)
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except ValueError as exc:
                raise RecordError(f"invalid json: {key} {json_error(exc)}") from None
        if inner is not None:
            return as_object(inner, key)
    return record


def _fallback_time(outer: dict[str, Any]) -> tuple[str, Any]:
    for column in _CSV_TIME_COLUMNS + ("createdDateTime",):
        if outer.get(column) not in (None, ""):
            return column, outer[column]
    return "CreationTime", None


def _principal(user_id: str | None, user_key: str | None, user_type: Any) -> tuple[Any, Any]:
    keys = " ".join(filter(None, (user_id, user_key))).lower()
    if "urn:spo:anon" in keys or (user_id or "").lower() in ("anonymous", "anonymous user"):
        return user_id or user_key, "anonymous"
    if user_id is None:
        return None, None
    if str(user_type).strip().lower() in _APP_USER_TYPES or user_id.lower() in _SYSTEM_IDS:
        return user_id, "app"
    return user_id, "email" if "@" in user_id else "username"


def _client_ip(audit: dict[str, Any]) -> str | None:
    for field in ("ClientIP", "ClientIPAddress", "ActorIpAddress"):
        if audit.get(field) not in (None, ""):
            return as_ip(audit[field], field)
    return None


def _object(audit: dict[str, Any]) -> str | None:
    """``ObjectId`` is the full URL of the file for SharePoint/OneDrive; without it the URL is
    rebuilt from SiteUrl + SourceRelativeUrl + SourceFileName."""
    object_id = as_text(audit.get("ObjectId"), "ObjectId")
    if object_id:
        return object_id
    parts = [as_text(audit.get(f), f) for f in ("SiteUrl", "SourceRelativeUrl", "SourceFileName")]
    kept = [p.strip("/") for p in parts if p]
    return "/".join(kept) or None


def _user_agent(audit: dict[str, Any]) -> str | None:
    agent = as_text(audit.get("UserAgent"), "UserAgent")
    if agent:
        return agent
    for prop in as_list(audit.get("ExtendedProperties"), "ExtendedProperties"):
        if isinstance(prop, dict) and prop.get("Name") == "UserAgent":
            return as_text(prop.get("Value"), "ExtendedProperties.UserAgent")
    return None


# ---------------------------------------------------------------------------- CSV export


def _csv_header(text: str) -> list[str] | None:
    """The export's column names when ``text`` starts with its header line."""
    lines = text.lstrip("\ufeff")[:4096].split("\n", 2)
    line = lines[1] if lines[0].startswith("#TYPE") and len(lines) > 1 else lines[0]
    if line[:1] in ("{", "[") or "AuditData" not in line:
        return None
    try:
        columns = [c.strip() for c in next(csv.reader([line.strip()]))]
    except (csv.Error, StopIteration):
        return None
    return columns if all(c in columns for c in _CSV_FIRST) else None


def _parse_csv(
    lines: Iterator[tuple[int, str]], source_id: str, report: ParseReport
) -> Iterator[dict[str, Any]]:
    """Rows of the export; ``source_line`` is the physical line a row starts on (a quoted
    AuditData cell may span lines)."""
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 2**20))  # AuditData can be large
    header_line, header = next(lines)
    if header.startswith("#TYPE"):  # PowerShell Export-Csv type line
        header_line, header = next(lines)
    columns = [c.strip() for c in next(csv.reader([header]))]
    reader = csv.reader(text for _, text in lines)
    while True:
        start = header_line + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.reject(start, f"invalid csv: {exc}")
            continue
        if not any(cell.strip() for cell in row):
            continue
        raw = ",".join(row)
        if len(row) != len(columns):
            report.reject(start, f"invalid csv: {len(row)} cells, header has {len(columns)}", raw)
            continue
        yield from record_events(
            dict(zip(columns, row, strict=True)),
            start,
            (start,),
            raw,
            source_id,
            report,
            M365Format.name,
            m365_events,
        )
