"""``enrich_batch``: the one function that turns parsed events into enriched events.

STYLE.md point 3: every engine (``engines/local.py`` in-process or in a process pool,
``engines/spark.py`` through ``mapInArrow``) calls this and nothing else, so a finding cannot
depend on which engine ran. ``EVENT_SCHEMA`` rows in, ``ENRICHED_SCHEMA`` rows out, same
order, input untouched; pure and deterministic (no clock, no session, no randomness).

What it adds (access/event.py ``ENRICHED_FIELDS``):

* IP intelligence (country … hub) from ``ctx.intel``, looked up once per distinct address and
  joined back: access logs repeat addresses far more than they vary (access-logs §3.2
  takeaway 1). Without intel the geo columns are null and the flags False. ``src_ip`` is used
  as logged; ``forwarded_for`` is not trusted, since any client can write it.
* ``party``: the principal's declared account, else the declared network holding ``src_ip``.
  A principal wins over a network: a vendor's account used from another vendor's office is
  still that vendor's account.
* ``project``: ``ctx.default_project``, else the deepest registered object prefix, else a
  project key or alias appearing as a path segment (context.py explains both).
* ``authorized``: the chain's decision for (party, project, UTC date of ``ts``) (CHAIN-1);
  null when the project is unknown, False when no party is known. Engagement dates are
  calendar dates; the UTC date is the convention, so a decision can differ by a day at the
  edges of an engagement for parties far from UTC.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainwatch.access.context import EnrichContext, RegistryView
from chainwatch.access.event import ENRICHED_FIELDS, ENRICHED_SCHEMA, EVENT_SCHEMA

REGISTRY_NAMES = ("party", "project", "authorized")
INTEL_FIELDS = [f for f in ENRICHED_FIELDS if f.name not in REGISTRY_NAMES]  # IpIntel.enrich
FLAG_NAMES = ("is_dprk", "is_vpn", "is_datacenter", "is_tor")
_SCHEME = r"^[A-Za-z][A-Za-z0-9+.\-]*://"
_SEP = "\x1f"


def enrich_batch(batch: pa.RecordBatch, ctx: EnrichContext) -> pa.RecordBatch:
    """Enrich one batch (see the module docstring). Extra input columns are dropped; columns
    of another Arrow type are cast to ``EVENT_SCHEMA`` (e.g. Spark's large strings)."""
    events = _conform(batch)
    src_ip = events.column("src_ip")
    unique_ips = pc.unique(src_ip).drop_null()
    ip_index = pc.index_in(src_ip, value_set=unique_ips)
    columns: list[pa.Array] = list(events.columns)
    columns += _intel_columns(ctx, unique_ips, ip_index, events.num_rows)
    party = _party(events, ctx.registry, unique_ips, ip_index)
    project = _project(events, ctx)
    columns += [party, project, _authorized(events, ctx.registry, party, project)]
    return pa.RecordBatch.from_arrays(columns, schema=ENRICHED_SCHEMA)


def _conform(batch: pa.RecordBatch) -> pa.RecordBatch:
    if batch.schema.equals(EVENT_SCHEMA):
        return batch
    missing = [n for n in EVENT_SCHEMA.names if n not in batch.schema.names]
    if missing:
        raise ValueError(f"batch lacks EVENT_SCHEMA columns: {', '.join(missing)}")
    arrays = []
    for f in EVENT_SCHEMA:
        column = batch.column(f.name)
        if pa.types.is_timestamp(f.type) and pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp(column.type.unit, tz="UTC"))  # same instant
        arrays.append(column.cast(f.type) if column.type != f.type else column)
    return pa.RecordBatch.from_arrays(arrays, schema=EVENT_SCHEMA)


def _intel_columns(
    ctx: EnrichContext, unique_ips: pa.Array, ip_index: pa.Array, n: int
) -> list[pa.Array]:
    if ctx.intel is None or len(unique_ips) == 0:
        return [
            pa.array(np.zeros(n, dtype=bool)) if f.name in FLAG_NAMES else pa.nulls(n, f.type)
            for f in INTEL_FIELDS
        ]
    table = ctx.intel.enrich(unique_ips)
    out = []
    for f in INTEL_FIELDS:
        column = table.column(f.name).combine_chunks()
        if column.type != f.type:
            column = column.cast(f.type)
        taken = column.take(ip_index)
        out.append(pc.fill_null(taken, False) if f.name in FLAG_NAMES else taken)
    return out


def _party(
    events: pa.RecordBatch, registry: RegistryView, unique_ips: pa.Array, ip_index: pa.Array
) -> pa.Array:
    principal = pc.utf8_trim_whitespace(events.column("principal"))
    is_email = pc.match_substring(principal, "@")
    normalized = pc.if_else(is_email, pc.utf8_lower(principal), principal)
    keys = pa.array(list(registry.accounts), type=pa.string())
    owners = pa.array(list(registry.accounts.values()), type=pa.string())
    by_account = owners.take(pc.index_in(normalized, value_set=keys))
    if len(registry.networks) == 0 or len(unique_ips) == 0:
        return by_account
    by_network = registry.networks.lookup(unique_ips).take(ip_index)
    return pc.coalesce(by_account, by_network)


def _project(events: pa.RecordBatch, ctx: EnrichContext) -> pa.Array:
    n = events.num_rows
    if ctx.default_project is not None:
        return pa.array([ctx.default_project] * n, type=pa.string())
    registry = ctx.registry
    objects = events.column("object")
    unique = pc.unique(objects).drop_null()
    if len(unique) == 0 or not (registry.project_prefixes or registry.project_segments):
        return pa.nulls(n, pa.string())
    paths = pc.utf8_trim_whitespace(unique)
    if pc.any(pc.match_substring(paths, "://")).as_py():
        paths = pc.replace_substring_regex(paths, _SCHEME, "")
    paths = pc.utf8_ltrim(paths, "/")
    parts = pc.split_pattern(paths, "/")
    found = _by_prefix(parts, registry.project_prefixes)
    if registry.project_segments and found.null_count:
        found = pc.coalesce(found, _by_segment(parts, registry.project_segments))
    return found.take(pc.index_in(objects, value_set=unique))


def _by_prefix(parts: pa.Array, prefixes: dict[str, str]) -> pa.Array:
    """Deepest registered directory prefix of each path (a prefix of depth d covers paths of
    more than d segments: the directory itself is not an object inside it)."""
    found = pa.nulls(len(parts), pa.string())
    depth_of = {p: p.rstrip("/").count("/") + 1 for p in prefixes}
    lengths = pc.list_value_length(parts)
    for depth in sorted(set(depth_of.values()), reverse=True):
        keys = [p for p, d in depth_of.items() if d == depth]
        heads = pc.binary_join(pc.list_slice(parts, 0, depth), "/")  # "bucket/a/b", no slash
        heads = pc.if_else(pc.greater(lengths, depth), heads, pa.scalar(None, pa.string()))
        bare = pa.array([k.rstrip("/") for k in keys], type=pa.string())
        hit = pa.array([prefixes[k] for k in keys], type=pa.string()).take(
            pc.index_in(heads, value_set=bare)
        )
        found = pc.coalesce(found, hit)
    return found


def _by_segment(parts: pa.Array, segments: dict[str, str]) -> pa.Array:
    """First path segment (from the left) equal to a project key or alias, case-insensitive."""
    flat = pc.utf8_lower(pc.list_flatten(parts))
    parents = pc.list_parent_indices(parts).to_numpy()
    keys = pa.array(list(segments), type=pa.string())
    index = pc.index_in(flat, value_set=keys)
    valid = ~index.is_null().to_numpy(zero_copy_only=False)
    if not valid.any():
        return pa.nulls(len(parts), pa.string())
    rows, first = np.unique(parents[valid], return_index=True)
    which = index.to_numpy(zero_copy_only=False)[valid][first].astype(np.int64)
    slot = np.full(len(parts), -1, dtype=np.int64)
    slot[rows] = which
    projects = pa.array([*segments.values(), None], type=pa.string())
    return projects.take(pa.array(np.where(slot < 0, len(segments), slot)))


def _authorized(
    events: pa.RecordBatch, registry: RegistryView, party: pa.Array, project: pa.Array
) -> pa.Array:
    known = pc.is_in(project, value_set=pa.array(list(registry.graphs), type=pa.string()))
    known = pc.fill_null(known, False)
    result = pc.if_else(known, pa.scalar(False), pa.scalar(None, pa.bool_()))
    day = pc.cast(events.column("ts"), pa.date32())
    ask = pc.and_(known, pc.is_valid(party))
    if not pc.any(ask).as_py():
        return result
    key = pc.binary_join_element_wise(party, project, pc.cast(day, pa.string()), _SEP)
    key = pc.if_else(ask, key, pa.scalar(None, pa.string()))
    unique = pc.unique(key).drop_null()
    decisions = []
    for text in unique.to_pylist():
        who, what, on = text.split(_SEP)
        graph = registry.graphs[what]
        decisions.append(graph.authorization(who, on=date.fromisoformat(on)).authorized)
    looked_up = pa.array(decisions, type=pa.bool_()).take(pc.index_in(key, value_set=unique))
    return pc.if_else(ask, looked_up, result)
