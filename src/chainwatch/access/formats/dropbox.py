"""Dropbox team activity log: ``TeamEvent`` records from ``/2/team_log/get_events``
(reference: shared/reference/access-logs-and-ip-data.md §1.6; shapes from the Dropbox API
spec and panther-analysis ``rules/dropbox_rules`` test events).

Why it matters: Dropbox Business is a common drop box between a studio and its vendors. The
team log records downloads, previews and shared-link views with the client address Dropbox
saw (``origin.geo_location.ip_address``), including views by people outside the team and by
anonymous link holders. The ``file_operations`` category is not on every plan, so a missing
download history is not proof of no download.

Input shapes: JSON lines (one TeamEvent per line), a JSON array of events, and the API
response ``{"events": [...], "cursor": ..., "has_more": ...}`` (pages concatenated one per
line are read too). Union tags are read from ``.tag`` (the API) or ``_tag`` (Panther's
normalized copies).

Normalization: an event naming several files in ``assets`` becomes one event per file (each
asset's index is part of its record id, see ``json_records``); the object is the asset's
``path.contextual`` (the path as the actor saw it), else its namespace-relative path, else its
display name. The actor is a team member's or admin's e-mail (``email``), an app (``app``),
``anonymous``, or an account id (``user_id``) when a user has no e-mail. Dropbox's own
geolocation is not carried (enrichment re-geolocates the address with one database for all
formats). The team log has no user agent, byte count or HTTP status.
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
    dig,
    has_keys,
    json_head,
    parse_json_events,
    required_action,
)

ACTIONS: dict[str, str] = {
    **dict.fromkeys(
        (
            "file_download",
            "shared_content_download",
            "shared_link_download",
            "file_get_copy_reference",
            "showcase_file_download",
            "paper_doc_download",
        ),
        "download",
    ),
    **dict.fromkeys(
        (
            "file_preview",
            "shared_content_view",
            "shared_link_view",
            "showcase_file_view",
            "paper_doc_view",
        ),
        "read",
    ),
    **dict.fromkeys(
        ("file_add", "file_edit", "file_restore", "file_revert", "file_request_receive_file"),
        "upload",
    ),
    **dict.fromkeys(("file_delete", "file_permanently_delete", "shared_content_remove"), "delete"),
    **dict.fromkeys(
        (
            "shared_content_add_member",
            "shared_content_add_invitees",
            "shared_content_add_link_password",
            "shared_content_change_link_audience",
            "shared_content_change_visibility",
            "shared_content_claim_invitation",
            "shared_content_relinquish_membership",
            "shared_folder_create",
            "shared_link_create",
            "shared_link_share",
            "shared_link_change_visibility",
            "shared_link_settings_change_audience",
            "shared_link_settings_add_password",
            "shared_link_settings_remove_password",
            "shared_link_settings_change_expiration",
            "sf_add_group",
            "sf_external_invite_warn",
            "sf_invite_group",
            "file_request_create",
        ),
        "share",
    ),
    **dict.fromkeys(
        ("login_success", "login_fail", "sign_in_as_session_start", "sso_login_fail"), "login"
    ),
}


class DropboxFormat:
    """Dropbox Business team events (team_log/get_events)."""

    name = "dropbox"
    title = "Dropbox team activity log (team_log/get_events)"

    def sniff(self, head: str) -> bool:
        text = json_head(head)
        if text is None:
            return False
        return has_keys(text, "event_type", "timestamp") and (
            has_keys(text, ".tag") or has_keys(text, "_tag")
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
            to_events=dropbox_events,
            envelope_keys=("events",),
        )
        note_decoding(stream, report)


def _tag(value: dict[str, Any], field: str) -> str | None:
    return as_text(value.get(".tag", value.get("_tag")), f"{field}.tag")


def dropbox_events(event: dict[str, Any]) -> list[dict[str, Any]]:
    """One TeamEvent as one event per file asset (one event when it names none)."""
    event_type = event.get("event_type")
    if isinstance(event_type, str):  # some exporters flatten the union to its tag
        raw_action = required_action(event_type, "event_type")
    else:
        raw_action = required_action(
            _tag(as_object(event_type, "event_type"), "event_type"), "event_type.tag"
        )
    common = {
        "ts": as_time(event.get("timestamp"), "timestamp"),
        "src_ip": as_ip(
            dig(event, "origin.geo_location.ip_address"), "origin.geo_location.ip_address"
        ),
        "action": ACTIONS.get(raw_action, "other"),
        "raw_action": raw_action,
    }
    principal, principal_type = _actor(as_object(event.get("actor"), "actor"))
    common["principal"], common["principal_type"] = principal, principal_type
    objects = [
        _asset_path(a, f"assets[{i}]") for i, a in enumerate(as_list(event.get("assets"), "assets"))
    ]
    objects = [o for o in objects if o] or [None]
    return [{**common, "object": obj} for obj in objects]


def _actor(actor: dict[str, Any]) -> tuple[str | None, str | None]:
    """ActorLogInfo: user | admin | app | anonymous | reseller | dropbox | other."""
    tag = _tag(actor, "actor")
    if tag in ("user", "admin"):
        who = as_object(actor.get(tag), f"actor.{tag}")
        email = as_text(who.get("email"), f"actor.{tag}.email")
        if email:
            return email, "email"
        account = as_text(who.get("account_id") or who.get("team_member_id"), f"actor.{tag}")
        return (account, "user_id") if account else (None, None)
    if tag == "app":
        app = as_object(actor.get("app"), "actor.app")
        name = as_text(app.get("display_name") or app.get("app_id"), "actor.app")
        return name, "app"
    if tag == "anonymous":
        return None, "anonymous"
    if tag == "reseller":
        reseller = as_object(actor.get("reseller"), "actor.reseller")
        return as_text(reseller.get("reseller_email"), "actor.reseller.reseller_email"), "email"
    if tag == "dropbox":
        return "dropbox", "app"
    return None, None


def _asset_path(asset: Any, field: str) -> str | None:
    asset = as_object(asset, field)
    path = as_object(asset.get("path"), f"{field}.path")
    return (
        as_text(path.get("contextual"), f"{field}.path.contextual")
        or as_text(dig(path, "namespace_relative.relative_path"), f"{field}.path.relative_path")
        or as_text(asset.get("display_name"), f"{field}.display_name")
    )
