-- Cards (SPEC §7a): messages that ask someone to act carry buttons, and a click is the command.
--
-- cards: each card sent, by the id the platform knows it by (WeCom task_id, DingTalk outTrackId,
-- the playground's card id). content holds it as sent, buttons included (a click is looked up
-- there: which button it was, whether it asks for a reason); closed the commands of its buttons no
-- longer offered; done the lines saying what was done. target is where it went (kind, destination,
-- chat), so that an update travels in the same lane, after it.
CREATE TABLE cards (
  id TEXT PRIMARY KEY,
  platform TEXT NOT NULL,
  chat_id TEXT,
  chat_type TEXT CHECK (chat_type IN ('group', 'single')),
  target TEXT NOT NULL,
  content TEXT NOT NULL,
  closed TEXT NOT NULL DEFAULT '[]',
  done TEXT NOT NULL DEFAULT '[]',
  finished INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- The tickets each unfinished card has buttons for: a command on a ticket finds its cards here.
CREATE TABLE card_tickets (
  ticket_no INTEGER NOT NULL,
  card_id TEXT NOT NULL REFERENCES cards(id),
  PRIMARY KEY (ticket_no, card_id)
) STRICT, WITHOUT ROWID;

-- The card an outbound message shows (JSON), and for an update of a card already sent what the
-- update needs; answer_to names the inbound click whose HTTP answer may carry the message (WeCom
-- 智能机器人 updates a card only in its answer to the click).
ALTER TABLE outbox ADD COLUMN card TEXT;
ALTER TABLE outbox ADD COLUMN card_update TEXT;
ALTER TABLE outbox ADD COLUMN answer_to TEXT;
CREATE INDEX outbox_answer ON outbox (platform, answer_to) WHERE answer_to IS NOT NULL AND status = 'pending';

-- A button that needs a reason ([不满意], [驳回]) asks for it; the clicker's next message in that
-- chat within 10 minutes completes the command. One open question per sender and chat; chat_key is
-- the chat id, or 'single' for a one-to-one chat (a click there may not name the conversation).
CREATE TABLE reason_questions (
  platform TEXT NOT NULL,
  chat_key TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  command TEXT NOT NULL,
  card_id TEXT,
  asked_at INTEGER NOT NULL,
  PRIMARY KEY (platform, chat_key, sender_id)
) STRICT;
