-- Who sent each file to fetch (the platform's user id, as `reply` holds it): one sender may store
-- only so many files an hour (SPEC §7b, §9 "no message can stop the bot"), counted from here,
-- strangers outside the roster included.
ALTER TABLE downloads ADD COLUMN sender_id TEXT;
UPDATE downloads SET sender_id = json_extract(reply, '$.senderId');
CREATE INDEX downloads_sender ON downloads (msg_platform, sender_id, created_at);
