-- Escalation state on the ticket itself, so the sweep finds due tickets through one index and its
-- cost grows with the tickets that are due, not with all open tickets.
-- esc_deadline: the deadline the tiers sent so far refer to; a new deadline (延期, 转办, 重办)
--   differs from it, which starts the tiers again.
-- esc_tier: the highest tier sent for esc_deadline (0 = none).
-- next_escalation_at: when the sweep next has something to do for this ticket (a tier, or the
--   automatic close of an unconfirmed resolution); NULL when nothing is left.
ALTER TABLE tickets ADD COLUMN esc_deadline INTEGER;
ALTER TABLE tickets ADD COLUMN esc_tier INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN next_escalation_at INTEGER;
CREATE INDEX tickets_next_escalation ON tickets (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
