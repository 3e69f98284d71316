-- Times are INTEGER milliseconds since the Unix epoch (UTC); they sort and subtract in SQL.
-- JSON columns hold arrays or objects written by the repositories.

CREATE TABLE departments (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  wecom_webhook_key TEXT,
  dingtalk_conversation_id TEXT
) STRICT;

CREATE TABLE projects (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('重大', '重点', '难点')),
  officer_id TEXT,               -- people.id; checked by the roster import (people and projects refer to each other)
  wecom_chat_id TEXT,
  wecom_webhook_key TEXT,
  dingtalk_conversation_id TEXT
) STRICT;

CREATE TABLE people (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  roles TEXT NOT NULL,           -- JSON array of 'enterprise' | 'officer' | 'coordinator' | 'leader'
  department_id TEXT REFERENCES departments(id),
  project_code TEXT REFERENCES projects(code),
  wecom_userid TEXT UNIQUE,
  dingtalk_userid TEXT UNIQUE
) STRICT;

CREATE TABLE project_leaders (
  project_code TEXT NOT NULL REFERENCES projects(code),
  person_id TEXT NOT NULL REFERENCES people(id),
  PRIMARY KEY (project_code, person_id)
) STRICT;

-- A chat the bot knows: a project group, the coordinators' group, or a department group.
-- group_address is what a group message is sent to: WeCom robot webhook key,
-- DingTalk openConversationId, playground chat id.
CREATE TABLE chats (
  platform TEXT NOT NULL CHECK (platform IN ('wecom', 'dingtalk', 'playground')),
  chat_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('project', 'coordinators', 'department')),
  project_code TEXT REFERENCES projects(code),
  department_id TEXT REFERENCES departments(id),
  group_address TEXT NOT NULL,
  bound_by TEXT,                 -- people.id of the coordinator who bound it; NULL when it came from the roster
  bound_at INTEGER NOT NULL,
  PRIMARY KEY (platform, chat_id),
  CHECK ((kind = 'project') = (project_code IS NOT NULL))
) STRICT;
CREATE INDEX chats_project ON chats (project_code);

-- Roster settings (meeting, sla) as JSON, by key.
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE calendar_overrides (
  date TEXT PRIMARY KEY CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday'))
) STRICT;

CREATE TABLE tickets (
  no INTEGER PRIMARY KEY AUTOINCREMENT,   -- shown as #N; AUTOINCREMENT so a number is never reused
  project_code TEXT NOT NULL REFERENCES projects(code),
  category TEXT NOT NULL,
  urgency TEXT NOT NULL CHECK (urgency IN ('urgent', 'normal')),
  description TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'claimed', 'resolved', 'closed', 'withdrawn')),
  routing TEXT NOT NULL DEFAULT 'department' CHECK (routing IN ('department', 'coordinators')),
  reporter_platform TEXT NOT NULL,
  reporter_user_id TEXT NOT NULL,
  reporter_person_id TEXT REFERENCES people(id),
  reporter_name TEXT NOT NULL,
  assignee_id TEXT REFERENCES people(id),
  department_id TEXT REFERENCES departments(id),
  supervised INTEGER NOT NULL DEFAULT 0,
  claim_deadline INTEGER,
  resolve_deadline INTEGER,
  confirm_deadline INTEGER,
  resolution TEXT,
  rating INTEGER CHECK (rating BETWEEN 1 AND 5),
  rating_comment TEXT,
  close_kind TEXT CHECK (close_kind IN ('confirmed', 'auto')),
  reopen_count INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  claimed_at INTEGER,
  resolved_at INTEGER,
  closed_at INTEGER,
  withdrawn_at INTEGER,
  updated_at INTEGER NOT NULL,
  source_platform TEXT NOT NULL,
  source_chat_id TEXT NOT NULL
) STRICT;
CREATE INDEX tickets_project_state ON tickets (project_code, state);
CREATE INDEX tickets_created ON tickets (created_at);

-- Co-handling departments summoned with 吹哨, and their 报到.
CREATE TABLE ticket_departments (
  ticket_no INTEGER NOT NULL REFERENCES tickets(no),
  department_id TEXT NOT NULL REFERENCES departments(id),
  summoned_at INTEGER NOT NULL,
  summoned_by TEXT REFERENCES people(id),
  note TEXT,
  checked_in_at INTEGER,
  checked_in_by TEXT REFERENCES people(id),
  PRIMARY KEY (ticket_no, department_id)
) STRICT;

-- Append-only: every change to a ticket, who made it, and the message that caused it.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  ticket_no INTEGER REFERENCES tickets(no),
  at INTEGER NOT NULL,
  actor_id TEXT,                 -- people.id, NULL for a sender outside the roster or the system
  actor_name TEXT NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT,
  detail TEXT,                   -- JSON object
  msg_platform TEXT,
  msg_id TEXT
) STRICT;
CREATE INDEX audit_ticket ON audit_log (ticket_no, id);
CREATE INDEX audit_action_at ON audit_log (action, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Inbound message ids already processed, stored in the transaction of their effect.
CREATE TABLE inbound_messages (
  platform TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  sender_id TEXT NOT NULL,
  command TEXT,
  outcome TEXT NOT NULL,         -- 'done' | 'refused' | 'ignored' | 'error'
  PRIMARY KEY (platform, msg_id)
) STRICT;

-- Every outbound message, written in the transaction of its cause (SPEC §8).
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  dedupe_key TEXT NOT NULL UNIQUE,
  platform TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('group', 'person', 'reply')),
  lane TEXT NOT NULL,            -- messages in one lane (a group or a person on a platform) go out in id order
  destination TEXT NOT NULL,     -- group address or user id; for replies the fallback group address (may be '')
  reply_url TEXT,
  reply_expires_at INTEGER,
  chat_id TEXT,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  mentions TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  sent_at INTEGER
) STRICT;
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_lane ON outbox (lane, id) WHERE status = 'pending';

CREATE TABLE job_runs (
  job TEXT NOT NULL,
  period_key TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  error TEXT,
  PRIMARY KEY (job, period_key)
) STRICT;

-- 走访日志
CREATE TABLE visits (
  id INTEGER PRIMARY KEY,
  project_code TEXT NOT NULL REFERENCES projects(code),
  person_id TEXT NOT NULL REFERENCES people(id),
  text TEXT NOT NULL,
  at INTEGER NOT NULL,
  msg_platform TEXT,
  msg_id TEXT
) STRICT;
CREATE INDEX visits_project ON visits (project_code, at);

-- 会商 议题 added in chat, shown on the next meeting's agenda.
CREATE TABLE agenda_items (
  id INTEGER PRIMARY KEY,
  project_code TEXT REFERENCES projects(code),
  person_id TEXT REFERENCES people(id),
  author_name TEXT NOT NULL,
  text TEXT NOT NULL,
  at INTEGER NOT NULL,
  msg_platform TEXT,
  msg_id TEXT
) STRICT;
CREATE INDEX agenda_project ON agenda_items (project_code, at);
