"""Use cases: wire analyzers to storage. CLI, API and web call only these modules."""
