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


def enrich_batch(batch: pa.RecordBatch, ctx: EnrichContext) -> pa.RecordBatch:
    """Enrich one batch (see the module docstring). Extra input columns are dropped; columns
    of another Arrow type are cast to ``EVENT_SCHEMA`` (e.g. Spark's large strings)."""
    events = _conform(batch)
    # One hash pass per column: distinct values, and each row's index into them
    ips = _distinct(events.column("src_ip"))
    columns: list[pa.Array] = list(events.columns)
    columns += _intel_columns(ctx, ips.dictionary, ips.indices, events.num_rows)
    party = _party(events, ctx.registry, ips)
    project = _project(events, ctx)
    columns += [party, project, _authorized(events, ctx.registry, party, project)]
    return pa.RecordBatch.from_arrays(columns, schema=ENRICHED_SCHEMA)


def _distinct(column: pa.Array) -> pa.DictionaryArray:
    """Distinct non-null values (``.dictionary``) and each row's index, null for nulls."""
    return pc.dictionary_encode(column)


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


def _party(events: pa.RecordBatch, registry: RegistryView, ips: pa.DictionaryArray) -> pa.Array:
    principals = _distinct(events.column("principal"))
    distinct = pc.utf8_trim_whitespace(principals.dictionary)
    normalized = pc.if_else(pc.match_substring(distinct, "@"), pc.utf8_lower(distinct), distinct)
    keys = pa.array(list(registry.accounts), type=pa.string())
    owners = pa.array(list(registry.accounts.values()), type=pa.string())
    by_account = owners.take(pc.index_in(normalized, value_set=keys)).take(principals.indices)
    if len(registry.networks) == 0 or len(ips.dictionary) == 0:
        return by_account
    by_network = registry.networks.lookup(ips.dictionary).take(ips.indices)
    return pc.coalesce(by_account, by_network)


def _project(events: pa.RecordBatch, ctx: EnrichContext) -> pa.Array:
    n = events.num_rows
    if ctx.default_project is not None:
        return pa.array([ctx.default_project] * n, type=pa.string())
    registry = ctx.registry
    objects = _distinct(events.column("object"))
    unique = objects.dictionary
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
    return found.take(objects.indices)


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
    ask = pc.and_(known, pc.is_valid(party))
    if not pc.any(ask).as_py():
        return result
    # One decision per distinct (party, project, UTC day), keyed by integers, not strings
    parties, projects = _distinct(party), _distinct(project)
    day = pc.cast(pc.cast(events.column("ts"), pa.date32()), pa.int32())
    codes = [np.asarray(pc.fill_null(a, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
             for a in (parties.indices, projects.indices, day)]  # fmt: skip
    first_day = int(codes[2].min())
    key = (codes[0] * len(projects.dictionary) + codes[1]) * (int(codes[2].max()) - first_day + 1)
    key += codes[2] - first_day
    asked = np.asarray(ask.to_numpy(zero_copy_only=False), dtype=bool)
    unique, where = np.unique(key[asked], return_inverse=True)
    rows = np.flatnonzero(asked)
    first_row = rows[np.unique(where, return_index=True)[1]]
    decisions = []
    party_names, project_names = parties.dictionary.to_pylist(), projects.dictionary.to_pylist()
    for r in first_row.tolist():
        who, what = party_names[codes[0][r]], project_names[codes[1][r]]
        on = date.fromordinal(_EPOCH_ORDINAL + int(codes[2][r]))
        decisions.append(registry.graphs[what].authorization(who, on=on).authorized)
    looked_up = np.zeros(len(asked), dtype=bool)
    looked_up[rows] = np.array(decisions, dtype=bool)[where]
    return pc.if_else(ask, pa.array(looked_up), result)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
