-- People's own sign-ins to the dashboard (SPEC §11): `登录` in a private chat sends a link that opens
-- a session for that person, once, within 10 minutes.
-- token_hash: SHA-256 (hex) of the random 256-bit token in the link. The token itself is never
--   stored here: a copy of the database, or of a backup, cannot be used to sign in.
-- used_at: when the link opened a session (in the same transaction as the session's row); a used
--   link opens nothing again. Rows are kept a day after they expire, to tell a used or expired
--   link (410) from one that never existed (404), and to count the links a person asked for.
CREATE TABLE login_links (
  token_hash TEXT PRIMARY KEY,
  person_id TEXT NOT NULL REFERENCES people(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) STRICT;
CREATE INDEX login_links_person ON login_links (person_id, created_at);

-- When a session was last used, for `lianbao sessions` (written at most once a minute per session).
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
CREATE INDEX sessions_person ON sessions (person_id) WHERE person_id IS NOT NULL;
