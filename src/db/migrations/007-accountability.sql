-- Accountability (SPEC §2, §4, §6): the state 待回访, the facts the figures judge a ticket by, the
-- reminder before a deadline, extension requests, and the head of each department.
--
-- SQLite cannot change a CHECK constraint in place, so `tickets` is rebuilt the way its manual
-- says (https://www.sqlite.org/lang_altertable.html#otheralter): a new table, the rows copied,
-- the old one dropped, the new one renamed. The migration runner switches foreign keys off around
-- it and runs `PRAGMA foreign_key_check` before committing. Nothing a ticket says is changed:
-- tickets the earlier version closed by itself stay closed, as 未评价 (close_kind 'auto').
--
-- New columns (see src/tickets/model.ts for what each means):
--   awaiting_department     unclaimed after a 转办 to a department (its officers are accountable)
--   claim_from, round_from  start of the current claim window / resolve round, for 改类
--   window_start            start of the window the current deadline closes, for the 临期提醒
--   claim_extensions, resolve_extensions   durations granted in the current window (JSON arrays)
--   first_claimed_at        the first 认领: the claim is judged once, by it
--   claim_target, resolve_target   the deadlines the figures judge by (a deadline moved after it
--                           passed stays judged by where it was)
--   late_rounds             earlier rounds resolved after their deadline
--   claim_esc_*, resolve_esc_*   what the sweep has sent for each kind of deadline (stage 0
--                           nothing, 1 the reminder, 2–4 tiers 1–3), replacing esc_deadline/esc_tier
--
-- For tickets of the earlier version these are filled in from what it kept: the targets are the
-- deadlines as they stand (as it judged them), no earlier round is counted late, and the
-- reminder windows start at the report, the claim or the last 重办.

CREATE TABLE tickets_new (
  no INTEGER PRIMARY KEY AUTOINCREMENT,
  project_code TEXT NOT NULL REFERENCES projects(code),
  category TEXT NOT NULL,
  urgency TEXT NOT NULL CHECK (urgency IN ('urgent', 'normal')),
  description TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'claimed', 'resolved', 'followup', 'closed', 'withdrawn')),
  routing TEXT NOT NULL DEFAULT 'department' CHECK (routing IN ('department', 'coordinators')),
  reporter_platform TEXT NOT NULL,
  reporter_user_id TEXT NOT NULL,
  reporter_person_id TEXT REFERENCES people(id),
  reporter_name TEXT NOT NULL,
  assignee_id TEXT REFERENCES people(id),
  department_id TEXT REFERENCES departments(id),
  awaiting_department INTEGER NOT NULL DEFAULT 0,
  supervised INTEGER NOT NULL DEFAULT 0,
  claim_deadline INTEGER,
  resolve_deadline INTEGER,
  confirm_deadline INTEGER,
  claim_from INTEGER NOT NULL,
  round_from INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  claim_extensions TEXT NOT NULL DEFAULT '[]',
  resolve_extensions TEXT NOT NULL DEFAULT '[]',
  first_claimed_at INTEGER,
  claim_target INTEGER,
  resolve_target INTEGER,
  late_rounds INTEGER NOT NULL DEFAULT 0,
  resolution TEXT,
  rating INTEGER CHECK (rating BETWEEN 1 AND 5),
  rating_comment TEXT,
  -- confirmed: the enterprise's 满意; followup: a coordinator's 回访 (代评); auto: closed by the
  -- earlier version when nobody answered (未评价), never written any more
  close_kind TEXT CHECK (close_kind IN ('confirmed', 'followup', 'auto')),
  reopen_count INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  claimed_at INTEGER,
  resolved_at INTEGER,
  closed_at INTEGER,
  withdrawn_at INTEGER,
  updated_at INTEGER NOT NULL,
  source_platform TEXT NOT NULL,
  source_chat_id TEXT NOT NULL,
  claim_esc_deadline INTEGER,
  claim_esc_stage INTEGER NOT NULL DEFAULT 0,
  resolve_esc_deadline INTEGER,
  resolve_esc_stage INTEGER NOT NULL DEFAULT 0,
  next_escalation_at INTEGER
) STRICT;

INSERT INTO tickets_new (no, project_code, category, urgency, description, state, routing, reporter_platform,
  reporter_user_id, reporter_person_id, reporter_name, assignee_id, department_id, awaiting_department, supervised,
  claim_deadline, resolve_deadline, confirm_deadline, claim_from, round_from, window_start, first_claimed_at,
  claim_target, resolve_target, resolution, rating, rating_comment, close_kind, reopen_count, created_at, claimed_at,
  resolved_at, closed_at, withdrawn_at, updated_at, source_platform, source_chat_id, claim_esc_deadline,
  claim_esc_stage, resolve_esc_deadline, resolve_esc_stage, next_escalation_at)
SELECT no, project_code, category, urgency, description, state, routing, reporter_platform,
  reporter_user_id, reporter_person_id, reporter_name, assignee_id, department_id, awaiting, supervised,
  claim_deadline, resolve_deadline, confirm_deadline, claim_from, round_from,
  CASE state WHEN 'open' THEN claim_from WHEN 'claimed' THEN max(coalesce(claimed_at, round_from), round_from) ELSE created_at END,
  first_claimed_at, claim_deadline, resolve_deadline, resolution, rating, rating_comment, close_kind, reopen_count,
  created_at, claimed_at, resolved_at, closed_at, withdrawn_at, updated_at, source_platform, source_chat_id,
  CASE WHEN esc_tier > 0 AND esc_deadline = claim_deadline THEN esc_deadline END,
  CASE WHEN esc_tier > 0 AND esc_deadline = claim_deadline THEN esc_tier + 1 ELSE 0 END,
  CASE WHEN esc_tier > 0 AND esc_deadline = resolve_deadline AND esc_deadline IS NOT claim_deadline THEN esc_deadline END,
  CASE WHEN esc_tier > 0 AND esc_deadline = resolve_deadline AND esc_deadline IS NOT claim_deadline THEN esc_tier + 1 ELSE 0 END,
  next_escalation_at
FROM (
  SELECT t.*,
    -- An open ticket whose last 转办 went to a department waits for that department.
    coalesce(CASE WHEN t.state = 'open' THEN
      (SELECT json_extract(a.detail, '$.to.department') IS NOT NULL FROM audit_log a INDEXED BY audit_ticket_action
        WHERE a.ticket_no = t.no AND a.action = 'transfer' ORDER BY a.at DESC, a.id DESC LIMIT 1) END, 0) AS awaiting,
    CASE WHEN t.state = 'open' THEN coalesce(
      (SELECT max(a.at) FROM audit_log a INDEXED BY audit_ticket_action
        WHERE a.ticket_no = t.no AND a.action = 'transfer' AND a.to_state = 'open'), t.created_at)
      ELSE t.created_at END AS claim_from,
    CASE WHEN t.reopen_count > 0 THEN coalesce(
      (SELECT max(a.at) FROM audit_log a INDEXED BY audit_ticket_action WHERE a.ticket_no = t.no AND a.action = 'reject'),
      t.created_at) ELSE t.created_at END AS round_from,
    (SELECT min(a.at) FROM audit_log a INDEXED BY audit_ticket_action
      WHERE a.ticket_no = t.no AND a.from_state = 'open' AND a.to_state = 'claimed') AS first_claimed_at
  FROM tickets t
);

-- AUTOINCREMENT's high-water mark: a number once given is never given again.
CREATE TEMP TABLE old_sequence AS SELECT seq FROM sqlite_sequence WHERE name = 'tickets';
DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM temp.old_sequence), 0)) WHERE name = 'tickets';
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'tickets', seq FROM temp.old_sequence WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'tickets');
DROP TABLE temp.old_sequence;

CREATE INDEX tickets_project_state ON tickets (project_code, state);
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_next_escalation ON tickets (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
CREATE INDEX tickets_active ON tickets (state) WHERE state IN ('open', 'claimed');
-- 待回访, for the coordinators' lists.
CREATE INDEX tickets_followup ON tickets (state) WHERE state = 'followup';

-- Tickets in flight get their 临期提醒 when three quarters of the window have passed: the sweep
-- looks at them then (it works out again, from the ticket, what is due).
UPDATE tickets SET next_escalation_at = min(coalesce(next_escalation_at, reminder), reminder)
FROM (SELECT no AS n, window_start + (CASE state WHEN 'open' THEN claim_deadline ELSE resolve_deadline END - window_start) * 3 / 4 AS reminder
      FROM tickets WHERE state IN ('open', 'claimed'))
WHERE no = n AND reminder IS NOT NULL AND reminder > window_start
  AND (CASE state WHEN 'open' THEN claim_esc_stage ELSE resolve_esc_stage END) = 0;

-- 申请延期: a request of the assignee's, open until a coordinator or leader answers it; a new
-- request replaces an open one (status 'replaced').
CREATE TABLE extension_requests (
  id INTEGER PRIMARY KEY,
  ticket_no INTEGER NOT NULL REFERENCES tickets(no),
  deadline INTEGER NOT NULL,       -- the resolve deadline it asks to move, as it was when asked
  duration TEXT NOT NULL,          -- as written by durationToString: '3wd'
  reason TEXT NOT NULL,
  requested_by TEXT REFERENCES people(id),
  requested_at INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'rejected', 'replaced')),
  answered_by TEXT REFERENCES people(id),
  answered_at INTEGER,
  answer TEXT
) STRICT;
CREATE UNIQUE INDEX extension_requests_open ON extension_requests (ticket_no) WHERE status = 'open';

-- The person at the head of a department (roster `departments[].head`), who gets tier 2 for the
-- department's tickets. Not a foreign key: people refer to departments, so the roster import
-- checks this reference, as it does a project's officer.
ALTER TABLE departments ADD COLUMN head_id TEXT;
