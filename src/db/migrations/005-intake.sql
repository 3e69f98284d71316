-- Plain-language intake (SPEC §3): a message to the bot that is not a command but reads like a
-- complaint is asked about ("是否登记为诉求？"); the sender's "是" within 10 minutes registers it.
-- One open question per sender and chat: the latest such message.
CREATE TABLE intake_questions (
  platform TEXT NOT NULL,
  chat_id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  -- the message asked about, and its text as written
  msg_id TEXT NOT NULL,
  text TEXT NOT NULL,
  asked_at INTEGER NOT NULL,
  PRIMARY KEY (platform, chat_id, sender_id)
) STRICT;
