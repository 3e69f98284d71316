-- Units (SPEC §11): one installation for a city and its counties (多级联保).
--
-- units: the roster's `units` tree as the last import wrote it (replaced by each import; nothing
--   refers to a unit by a foreign key, so a unit that left the file leaves no broken row). The
--   root has parent_id NULL. A roster without `units` writes no row: its one root unit is
--   implicit, and everything below speaks of it as NULL.
--   meeting: the unit's meeting settings with its parent's filled in (JSON), NULL for the root,
--   whose settings are `settings.meeting` as before.
-- unit_places: the unit of a project, a person or a department below the root (a row only for
--   those; none: the root, the default), so that a roster without units is exactly as before.
-- chats.unit_id: which unit's coordinators' group a 'coordinators' chat is (NULL: the root's).
--   Each unit's group addresses are platform_addresses rows with owner 'coordinators' and
--   owner_id the unit's id; the root's keep owner_id ''.
-- tickets.raised_unit: 提级 — the unit whose coordinators supervise the ticket now, above the
--   project's own (NULL: the project's unit); raised_ever: the ticket was 提级 at some time, for
--   the figures (a 回退 does not undo that it was raised).
CREATE TABLE units (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  parent_id TEXT,
  position INTEGER NOT NULL,
  meeting TEXT
) STRICT;

CREATE TABLE unit_places (
  owner TEXT NOT NULL CHECK (owner IN ('project', 'person', 'department')),
  owner_id TEXT NOT NULL,
  unit_id TEXT NOT NULL,
  PRIMARY KEY (owner, owner_id)
) STRICT;
ALTER TABLE chats ADD COLUMN unit_id TEXT;
ALTER TABLE tickets ADD COLUMN raised_unit TEXT;
ALTER TABLE tickets ADD COLUMN raised_ever INTEGER NOT NULL DEFAULT 0;

-- Scope by unit goes through the project: the unit's projects by this index, then their tickets
-- by tickets_project_state.
CREATE INDEX unit_places_unit ON unit_places (owner, unit_id);
-- The tickets a unit supervises after 提级, for its lists.
CREATE INDEX tickets_raised ON tickets (raised_unit) WHERE raised_unit IS NOT NULL;

-- A 会商 议题 raised outside any project group belongs to the meeting of the unit whose group it
-- was raised in (NULL: the root's, as before).
ALTER TABLE agenda_items ADD COLUMN unit_id TEXT;
