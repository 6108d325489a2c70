-- When each API token was last accepted (to within a minute), for
-- `patchbay token list` and GET /api/v1/tokens.
ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER;
