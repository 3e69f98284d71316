-- Dashboard sign-ins, kept on the server so that 退出 ends one for good (a copied cookie stops
-- working) and so that they can be listed and ended later.
-- id_hash: SHA-256 (hex) of the random 256-bit id in the browser's cookie. The id itself is never
--   stored: a copy of the database, or of a backup, cannot be used to sign in.
-- generation: what issued the session; for the ADMIN_TOKEN sign-in an HMAC keyed by the token, so
--   that changing ADMIN_TOKEN ends every session issued under the old one.
-- person_id: NULL for the ADMIN_TOKEN sign-in; the roster person, for a person's own login.
-- revoked_at: when it was ended (退出); NULL while it is in force. Rows go once they expire.
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  generation TEXT NOT NULL,
  person_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX sessions_expires ON sessions (expires_at);
