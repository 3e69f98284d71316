-- Indexes for the figures (统计, 月报, 季度通报) on a large installation.
-- audit_ticket_action: for each ticket of a period, when it was first taken and how many 满意 and
--   不满意 it got, read from the index alone. The period's tickets are neighbours in it, whereas
--   their audit rows lie all over the table.
-- tickets_active: the tickets still being worked on (待认领, 办理中), for what is overdue now,
--   without reading every ticket ever received.
CREATE INDEX audit_ticket_action ON audit_log (ticket_no, action, from_state, to_state, at);
CREATE INDEX tickets_active ON tickets (state) WHERE state IN ('open', 'claimed');
