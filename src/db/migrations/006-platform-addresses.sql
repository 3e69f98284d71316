-- foreign_keys: off
-- (people is rebuilt below, and other tables refer to it: the loader runs this with foreign keys
-- off and checks them all before it commits, as https://www.sqlite.org/lang_altertable.html#otheralter
-- describes.)
--
-- Platform addresses are data keyed by platform, not columns named after one (SPEC §7): a person's
-- user id on each platform, and where the group messages of a department, a project and the
-- coordinators' group (护企办) go on each platform (WeCom: the group robot's webhook key; DingTalk:
-- the openConversationId; the playground: its chat id). A third platform adds rows, not columns.
-- owner: what the address belongs to; owner_id: people.id, departments.id, projects.code, or ''
--   for the coordinators' group.
-- A user id names one person per platform (platform_addresses_user), so that a message is
-- attributed to one person.
CREATE TABLE platform_addresses (
  owner TEXT NOT NULL CHECK (owner IN ('person', 'department', 'project', 'coordinators')),
  owner_id TEXT NOT NULL,
  platform TEXT NOT NULL,
  address TEXT NOT NULL CHECK (address <> ''),
  PRIMARY KEY (owner, owner_id, platform)
) STRICT;
CREATE UNIQUE INDEX platform_addresses_user ON platform_addresses (platform, address) WHERE owner = 'person';

INSERT INTO platform_addresses (owner, owner_id, platform, address)
  SELECT 'person', id, 'wecom', wecom_userid FROM people WHERE coalesce(wecom_userid, '') <> ''
  UNION ALL SELECT 'person', id, 'dingtalk', dingtalk_userid FROM people WHERE coalesce(dingtalk_userid, '') <> ''
  -- The playground knows people by their roster id.
  UNION ALL SELECT 'person', id, 'playground', id FROM people
  UNION ALL SELECT 'department', id, 'wecom', wecom_webhook_key FROM departments WHERE coalesce(wecom_webhook_key, '') <> ''
  UNION ALL SELECT 'department', id, 'dingtalk', dingtalk_conversation_id FROM departments WHERE coalesce(dingtalk_conversation_id, '') <> ''
  UNION ALL SELECT 'project', code, 'wecom', wecom_webhook_key FROM projects WHERE coalesce(wecom_webhook_key, '') <> ''
  UNION ALL SELECT 'project', code, 'dingtalk', dingtalk_conversation_id FROM projects WHERE coalesce(dingtalk_conversation_id, '') <> ''
  UNION ALL SELECT 'project', code, 'playground', code FROM projects
  -- The coordinators' group was a JSON setting written by the roster import.
  UNION ALL SELECT 'coordinators', '', 'wecom', json_extract(value, '$.wecom.webhookKey') FROM settings
    WHERE key = 'coordinators' AND coalesce(json_extract(value, '$.wecom.webhookKey'), '') <> ''
  UNION ALL SELECT 'coordinators', '', 'dingtalk', json_extract(value, '$.dingtalk.openConversationId') FROM settings
    WHERE key = 'coordinators' AND coalesce(json_extract(value, '$.dingtalk.openConversationId'), '') <> ''
  UNION ALL SELECT 'coordinators', '', 'playground', 'coordinators' FROM settings WHERE key = 'coordinators';
DELETE FROM settings WHERE key = 'coordinators';

-- A project's WeCom chat id is where its messages come from: the chats table maps every chat the
-- bot knows to its project, and already holds every chat id the roster or 绑定 gave a project;
-- one that is missing there all the same is kept there.
INSERT INTO chats (platform, chat_id, kind, project_code, department_id, group_address, bound_by, bound_at)
  SELECT 'wecom', wecom_chat_id, 'project', code, NULL, coalesce(wecom_webhook_key, ''), NULL, 0 FROM projects
  WHERE coalesce(wecom_chat_id, '') <> ''
    AND NOT EXISTS (SELECT 1 FROM chats c WHERE c.platform = 'wecom' AND c.chat_id = projects.wecom_chat_id);

ALTER TABLE departments DROP COLUMN wecom_webhook_key;
ALTER TABLE departments DROP COLUMN dingtalk_conversation_id;
ALTER TABLE projects DROP COLUMN wecom_chat_id;
ALTER TABLE projects DROP COLUMN wecom_webhook_key;
ALTER TABLE projects DROP COLUMN dingtalk_conversation_id;

-- The user id columns were UNIQUE, which SQLite cannot drop: the table is made again without them.
CREATE TABLE people_new (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  roles TEXT NOT NULL,           -- JSON array of 'enterprise' | 'officer' | 'coordinator' | 'leader'
  department_id TEXT REFERENCES departments(id),
  project_code TEXT REFERENCES projects(code)
) STRICT;
INSERT INTO people_new (id, name, roles, department_id, project_code)
  SELECT id, name, roles, department_id, project_code FROM people;
DROP TABLE people;
ALTER TABLE people_new RENAME TO people;

-- The chats the bot knows, without the list of platforms a chat may be on: that list is the
-- core's (src/chat/types.ts), and a platform added there must not need a change to the schema.
CREATE TABLE chats_new (
  platform TEXT NOT NULL,
  chat_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('project', 'coordinators', 'department')),
  project_code TEXT REFERENCES projects(code),
  department_id TEXT REFERENCES departments(id),
  group_address TEXT NOT NULL,   -- where group messages to this chat go ('' when unknown)
  bound_by TEXT,                 -- people.id of the coordinator who bound it; NULL when it came from the roster
  bound_at INTEGER NOT NULL,
  PRIMARY KEY (platform, chat_id),
  CHECK ((kind = 'project') = (project_code IS NOT NULL))
) STRICT;
INSERT INTO chats_new SELECT platform, chat_id, kind, project_code, department_id, group_address, bound_by, bound_at FROM chats;
DROP TABLE chats;
ALTER TABLE chats_new RENAME TO chats;
CREATE INDEX chats_project ON chats (project_code);

-- A reply that can go neither through its reply URL nor to a group goes to its sender directly
-- (SPEC §7): the sender's user id on the reply's platform.
ALTER TABLE outbox ADD COLUMN reply_user TEXT;
