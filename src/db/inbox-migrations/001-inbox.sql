-- The inbox file (`lianbao.inbox.db` beside the database): verified platform messages waiting to be
-- handled, the DingTalk signatures already spent, the processor's note of the batch it is working
-- on, and the messages set aside (src/db/inbox-store.ts). `IF NOT EXISTS`: versions before the
-- inbox had migrations created these same tables themselves and left user_version at 0, so an
-- inbox they wrote is taken up as it is, its waiting messages included.

-- AUTOINCREMENT: ids must never be used again once handled messages are pruned, since the
-- processor takes the messages after the last id it handled.
CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, message TEXT NOT NULL) STRICT;

-- DingTalk signatures already spent, by signed timestamp, each with the message id it came with
-- (OneUseSignature), kept until the platform would refuse them anyway. The timestamps grow, so a
-- new one goes at the end of the table and the old ones are pruned from its start.
CREATE TABLE IF NOT EXISTS signatures (signed_at INTEGER PRIMARY KEY, msg_id TEXT NOT NULL) STRICT;

-- One row, written (and committed) before each batch is handled: which inbox ids the batch spans
-- and how many times a batch starting at that id has been started (src/inbox/handler.ts).
CREATE TABLE IF NOT EXISTS processing (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  batch_from INTEGER NOT NULL,
  batch_to INTEGER NOT NULL,
  tries INTEGER NOT NULL,
  suspect_to INTEGER NOT NULL
) STRICT;

-- Messages that could not be handled, out of the queue, for `lianbao inbox` to show, retry or drop.
CREATE TABLE IF NOT EXISTS set_aside (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  message TEXT NOT NULL,
  tries INTEGER NOT NULL,
  reason TEXT NOT NULL,
  set_aside_at INTEGER NOT NULL
) STRICT;
