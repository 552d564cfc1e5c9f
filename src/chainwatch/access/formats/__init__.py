"""Log formats: each module parses one family of logs into ``EVENT_SCHEMA`` rows."""
