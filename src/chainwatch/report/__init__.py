"""Reports handed to people outside chainwatch: the self-contained HTML audit report."""
