import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DiskRoom } from './attachments/store.js';
import type { Clock } from './clock.js';
import type { AttachmentsRepo } from './db/attachments-repo.js';
import type { OutboxRepo } from './db/outbox-repo.js';
import type { TicketsRepo } from './db/tickets-repo.js';
import { STATES } from './tickets/model.js';

/** What the metrics read when scraped. */
export interface MetricsDeps {
  tickets: Pick<TicketsRepo, 'countByState' | 'countOverdue'>;
  outbox: Pick<OutboxRepo, 'counts'>;
  attachments: Pick<AttachmentsRepo, 'downloadCounts'>;
  clock: Clock;
  /** the inbox's figures: messages stored and not yet handled, and those set aside */
  inbox?: { waiting(): number; setAside(): number };
  /** the attachments folder's disk, as the evidence checks measure it (one file as large as allowed); none when no evidence is kept */
  attachmentsDisk?: () => DiskRoom;
}

/**
 * Prometheus metrics (SPEC §10). Ticket and outbox figures are read from the database when
 * scraped, so they are right even when another process (the CLI) changed the data.
 */
export function createMetrics({ tickets, outbox, attachments, clock, inbox, attachmentsDisk }: MetricsDeps) {
  const registry = new Registry();
  if (attachmentsDisk) {
    // Measured once per scrape, for the three figures; the same test as the one that refuses new files.
    let room: DiskRoom | undefined;
    const measure = (): DiskRoom | undefined => {
      try {
        room = attachmentsDisk();
      } catch {
        room = undefined;
      }
      return room;
    };
    new Gauge({
      name: 'lianbao_attachments_free_bytes',
      help: 'Free space on the disk of ATTACHMENTS_DIR',
      registers: [registry],
      collect() {
        const r = measure();
        if (r) this.set(r.freeBytes);
      },
    });
    new Gauge({
      name: 'lianbao_attachments_reserve_bytes',
      help: 'Free space kept on that disk: 1 GiB or 5 % of it; new evidence is not stored when a file would eat into it',
      registers: [registry],
      collect() {
        if (room) this.set(room.reserveBytes);
      },
    });
    new Gauge({
      name: 'lianbao_attachments_refused_for_space',
      help: '1 while new photos and files are refused because the disk is down to its reserve',
      registers: [registry],
      collect() {
        if (room) this.set(room.ok ? 0 : 1);
      },
    });
  }
  if (inbox) {
    new Gauge({
      name: 'lianbao_inbox_waiting',
      help: 'Platform messages acknowledged and stored, not yet handled',
      registers: [registry],
      collect() {
        this.set(inbox.waiting());
      },
    });
    new Gauge({
      name: 'lianbao_inbox_set_aside',
      help: 'Platform messages set aside because handling them failed again and again (see `lianbao inbox`)',
      registers: [registry],
      collect() {
        this.set(inbox.setAside());
      },
    });
  }
  new Gauge({
    name: 'lianbao_tickets',
    help: 'Tickets by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of STATES) this.set({ state: s }, 0);
      for (const r of tickets.countByState()) this.set({ state: r.state }, r.n);
    },
  });
  new Gauge({
    name: 'lianbao_tickets_overdue',
    help: 'Open or claimed tickets past their current deadline',
    registers: [registry],
    collect() {
      this.set(tickets.countOverdue(clock.now().getTime()));
    },
  });
  new Gauge({
    name: 'lianbao_outbox_messages',
    help: 'Outbound messages by status: pending (waiting or retrying), failed (gave up, see `lianbao outbox`), sent',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const c = outbox.counts();
      for (const [status, n] of Object.entries(c)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'lianbao_downloads',
    help: 'Files messages attached to tickets, by status: pending (waiting or retrying), done, refused (bad file), failed (never came)',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      for (const [status, n] of Object.entries(attachments.downloadCounts())) this.set({ status }, n);
    },
  });
  const callbacks = new Counter({
    name: 'lianbao_callbacks_total',
    help: 'Platform callbacks by platform and HTTP status',
    labelNames: ['platform', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'lianbao_callback_seconds',
    help: 'Time to answer a platform callback',
    labelNames: ['platform'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });

  return {
    registry,
    /** Records one answered callback. */
    callback(platform: string, status: number, seconds: number): void {
      callbacks.inc({ platform, status: String(status) });
      latency.observe({ platform }, seconds);
    },
  };
}
