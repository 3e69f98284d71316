-- Evidence (取证, SPEC §7b): photos, files and recordings sent to the bot become part of a ticket.
--
-- A file is kept once, in the attachments folder beside the database, named by the SHA-256 of its
-- content; `attachments` says what each kept file is, as its content (magic bytes) shows it.
CREATE TABLE attachments (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  size INTEGER NOT NULL CHECK (size >= 0),
  mime TEXT NOT NULL,
  -- how people are told of it: 图片, 录音, 视频, 文件
  category TEXT NOT NULL CHECK (category IN ('image', 'audio', 'video', 'file')),
  stored_at INTEGER NOT NULL
) STRICT;

-- A ticket's evidence: a file once per ticket (the same file sent again is not added twice), who
-- added it, and the platform message it came with. Append-only, like the audit log.
CREATE TABLE ticket_attachments (
  ticket_no INTEGER NOT NULL REFERENCES tickets(no),
  sha256 TEXT NOT NULL REFERENCES attachments(sha256),
  -- the file's name as the platform gave it, if it gave one (chat data: shown escaped)
  name TEXT,
  added_at INTEGER NOT NULL,
  added_by TEXT,                 -- people.id, NULL for a sender outside the roster
  added_by_name TEXT NOT NULL,
  msg_platform TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  PRIMARY KEY (ticket_no, sha256)
) STRICT;

-- Files still to be fetched from a platform, like the outbox: retried with backoff until they come
-- or time runs out (24 h, or the end of the platform's download link). A row stays as the record of
-- what came of it. `reply` is the message it came with (JSON, without its text), for the answer.
CREATE TABLE downloads (
  id INTEGER PRIMARY KEY,
  msg_platform TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  seq INTEGER NOT NULL,          -- its place among the message's attachments
  ticket_no INTEGER NOT NULL REFERENCES tickets(no),
  kind TEXT NOT NULL CHECK (kind IN ('image', 'file', 'audio', 'video')),
  ref TEXT NOT NULL,             -- what the platform's download takes (a media id, a downloadCode, a URL)
  name TEXT,
  actor_id TEXT,
  actor_name TEXT NOT NULL,
  reply TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'refused', 'failed')),
  -- done: attached | duplicate; refused: too_large | type | not_image | url; failed: failed
  outcome TEXT,
  sha256 TEXT,
  size INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  settled_at INTEGER,
  UNIQUE (msg_platform, msg_id, seq)
) STRICT;
CREATE INDEX downloads_pending ON downloads (next_attempt_at) WHERE status = 'pending';

-- The ticket each sender last reported or added to in a chat: a picture or file sent on its own
-- within 10 minutes of that is attached to it (SPEC §7b).
CREATE TABLE evidence_targets (
  platform TEXT NOT NULL,
  chat_id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  ticket_no INTEGER NOT NULL REFERENCES tickets(no),
  at INTEGER NOT NULL,
  PRIMARY KEY (platform, chat_id, sender_id)
) STRICT;
