import type { Db } from './open.js';
import type { OutboundMessage, OutgoingCard, Platform } from '../chat/types.js';

/** Where a card went, so that its update travels the same way (and in the same lane, after it). */
export interface CardTarget {
  kind: OutboundMessage['kind'];
  to: string;
  chatId?: string;
  replyUser?: string;
}

/** A card as sent, and what has become of it since. */
export interface StoredCard {
  id: string;
  platform: Platform;
  /** the chat it was shown in, when it went to a chat (a group, a reply) */
  chatId: string | null;
  chatType: 'group' | 'single' | null;
  target: CardTarget;
  /** the card as sent: every button it had */
  content: OutgoingCard;
  /** the commands of its buttons no longer offered */
  closed: string[];
  /** what was done with it, a line each */
  done: string[];
  finished: boolean;
}

interface Row {
  id: string;
  platform: Platform;
  chat_id: string | null;
  chat_type: 'group' | 'single' | null;
  target: string;
  content: string;
  closed: string;
  done: string;
  finished: number;
}

function toCard(r: Row): StoredCard {
  return {
    id: r.id,
    platform: r.platform,
    chatId: r.chat_id,
    chatType: r.chat_type,
    target: JSON.parse(r.target) as CardTarget,
    content: JSON.parse(r.content) as OutgoingCard,
    closed: JSON.parse(r.closed) as string[],
    done: JSON.parse(r.done) as string[],
    finished: r.finished === 1,
  };
}

/** The cards sent (SPEC §7a), by their id on the platform. */
export class CardsRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO cards (id, platform, chat_id, chat_type, target, content, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      ticket: db.prepare('INSERT INTO card_tickets (ticket_no, card_id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      get: db.prepare<[string], Row>('SELECT * FROM cards WHERE id = ?'),
      openFor: db.prepare<[number], Row>(
        'SELECT c.* FROM card_tickets t JOIN cards c ON c.id = t.card_id WHERE t.ticket_no = ? AND c.finished = 0 ORDER BY c.created_at, c.id',
      ),
      update: db.prepare('UPDATE cards SET closed = ?, done = ?, finished = ?, updated_at = ? WHERE id = ?'),
      forget: db.prepare('DELETE FROM card_tickets WHERE card_id = ?'),
    };
  }

  /** Records a card as it is sent; nothing when a card with that id was recorded before. */
  insert(c: { id: string; platform: Platform; chatId?: string; chatType?: 'group' | 'single'; target: CardTarget; content: OutgoingCard }, at: number): void {
    const info = this.s.insert.run(c.id, c.platform, c.chatId ?? null, c.chatType ?? null, JSON.stringify(c.target), JSON.stringify(c.content), at, at);
    if (info.changes === 0) return;
    for (const no of new Set(c.content.buttons.map((b) => b.ticket))) this.s.ticket.run(no, c.id);
  }

  get(id: string): StoredCard | undefined {
    const r = this.s.get.get(id);
    return r && toCard(r);
  }

  /** The cards with buttons for a ticket that are not finished, oldest first. */
  openFor(ticketNo: number): StoredCard[] {
    return this.s.openFor.all(ticketNo).map(toCard);
  }

  /** Records buttons taken off a card and what was done; a finished card is no longer found by ticket. */
  update(id: string, closed: readonly string[], done: readonly string[], finished: boolean, at: number): void {
    this.s.update.run(JSON.stringify(closed), JSON.stringify(done), finished ? 1 : 0, at, id);
    if (finished) this.s.forget.run(id);
  }
}
