import type { Db } from './open.js';
// The figures' per-department key, so that a department of the figures page opens the matching ledger rows.
import { ACCOUNTABLE_SQL, DEPARTMENT_KEY_SQL, keysParam } from './figures-repo.js';
import { CURRENT_DEADLINE_SQL, type TicketsRepo } from './tickets-repo.js';
import { formsOf } from '../tickets/chinese-forms.js';
import type { Ticket, TicketState } from '../tickets/model.js';

/** What the ledger page (台账) filters on; every field is optional and they combine with AND. */
export interface LedgerFilter {
  projectCode?: string;
  /** a department id, or `:coordinators` (执法投诉 routed to 护企办) or `:none`, as the figures group them */
  departmentKey?: string;
  state?: TicketState;
  category?: string;
  /** only tickets past their current claim or resolve deadline at this instant */
  overdueAt?: number;
  supervised?: boolean;
  /** only tickets received in [from, to) */
  received?: { from: number; to: number };
  /** matched against the description and the reporter's name (in Simplified or Traditional characters), or the ticket number */
  text?: string;
  /** only tickets of projects in these units (SPEC §11: a unit-scoped session); absent or null: all */
  units?: readonly string[] | null;
  /** leave out conduct complaints (执法投诉): a session of someone who may not know of them */
  excludeConduct?: boolean;
  /** only tickets accountable (SPEC §2) to one of these keys: a person id, `dept:<id>` (an officer's own dashboard) */
  accountable?: readonly string[];
}

/** Tickets received in one week (Monday to Sunday, Beijing time), by their state now. */
export interface WeekCount {
  /** the Monday, as days since 1970-01-01 in Beijing time */
  weekStartDay: number;
  state: TicketState;
  count: number;
}


/** Who is accountable for the row of \`tickets\` at hand (figures-repo's rule, with its project looked up). */
const ACCOUNTABLE_OF_TICKET = `(SELECT ${ACCOUNTABLE_SQL} FROM (SELECT 1) LEFT JOIN projects p ON p.code = tickets.project_code)`;

const WHERE = `WHERE (@project IS NULL OR project_code = @project COLLATE NOCASE)
  AND (@dept IS NULL OR ${DEPARTMENT_KEY_SQL} = @dept)
  AND (@state IS NULL OR state = @state)
  AND (@category IS NULL OR category = @category)
  AND (@overdueAt IS NULL OR (state IN ('open', 'claimed') AND (${CURRENT_DEADLINE_SQL}) < @overdueAt))
  AND (@supervised IS NULL OR supervised = @supervised)
  AND (@from IS NULL OR (created_at >= @from AND created_at < @to))
  AND (@units IS NULL OR project_code IN
    (SELECT owner_id FROM unit_places WHERE owner = 'project' AND unit_id IN (SELECT value FROM json_each(@units))))
  AND (@noConduct IS NULL OR routing <> 'coordinators')
  AND (@like IS NULL OR description LIKE @like ESCAPE '\\' OR reporter_name LIKE @like ESCAPE '\\'
    OR description GLOB @forms OR reporter_name GLOB @forms OR no = @textNo)
  AND (@keys IS NULL OR ${ACCOUNTABLE_OF_TICKET} IN (SELECT value FROM json_each(@keys)))`;

const BEIJING_OFFSET_MS = 8 * 3_600_000;

/**
 * The ledger's read-only queries. Every filter is a parameter of one statement (a NULL parameter
 * switches its condition off), so the statements are prepared once whatever the filter.
 */
export class LedgerRepo {
  private readonly s;

  constructor(
    db: Db,
    private readonly tickets: TicketsRepo,
  ) {
    this.s = {
      count: db.prepare<[Record<string, unknown>], { n: number }>(`SELECT count(*) AS n FROM tickets ${WHERE}`),
      page: db.prepare<[Record<string, unknown>], { no: number }>(`SELECT no FROM tickets ${WHERE} ORDER BY no DESC LIMIT @limit OFFSET @offset`),
      weekly: db.prepare<[{ from: number; to: number; offset: number; units: string | null; keys: string | null }], { week: number; state: TicketState; n: number }>(
        `SELECT d - ((d + 3) % 7) AS week, state, count(*) AS n
         FROM (SELECT CAST((created_at + @offset) / 86400000 AS INTEGER) AS d, state FROM tickets WHERE created_at >= @from AND created_at < @to
           AND (@units IS NULL OR project_code IN
             (SELECT owner_id FROM unit_places WHERE owner = 'project' AND unit_id IN (SELECT value FROM json_each(@units))))
           AND (@keys IS NULL OR ${ACCOUNTABLE_OF_TICKET} IN (SELECT value FROM json_each(@keys))))
         GROUP BY week, state ORDER BY week, state`,
      ),
    };
  }

  /** One page of matching tickets, newest first, with the number matching in all. */
  search(f: LedgerFilter, page: { limit: number; offset: number }): { tickets: Ticket[]; total: number } {
    const params = toParams(f);
    const total = this.s.count.get(params)?.n ?? 0;
    const rows = this.s.page.all({ ...params, limit: page.limit, offset: page.offset });
    return { tickets: this.load(rows), total };
  }

  /** Every matching ticket, newest first, for exports. */
  all(f: LedgerFilter): Ticket[] {
    return this.load(this.s.page.all({ ...toParams(f), limit: -1, offset: 0 }));
  }

  /** Tickets received in [from, to), counted per week and current state; `units` and `accountable` as in `LedgerFilter`. */
  weeklyByState(from: number, to: number, scope: Pick<LedgerFilter, 'units' | 'accountable'> = {}): WeekCount[] {
    return this.s.weekly
      .all({ from, to, offset: BEIJING_OFFSET_MS, units: scope.units ? JSON.stringify(scope.units) : null, keys: keysParam(scope.accountable) })
      .map((r) => ({ weekStartDay: r.week, state: r.state, count: r.n }));
  }

  private load(rows: { no: number }[]): Ticket[] {
    // The tickets repository owns the row → Ticket mapping; a page is 50 primary-key look-ups.
    return rows.map((r) => this.tickets.get(r.no)).filter((t): t is Ticket => t !== undefined);
  }
}

function toParams(f: LedgerFilter): Record<string, unknown> {
  const text = f.text?.trim() ?? '';
  const no = /^#?\s*(\d{1,9})$/.exec(text);
  return {
    project: f.projectCode ?? null,
    dept: f.departmentKey ?? null,
    state: f.state ?? null,
    category: f.category ?? null,
    overdueAt: f.overdueAt ?? null,
    supervised: f.supervised === undefined ? null : f.supervised ? 1 : 0,
    from: f.received?.from ?? null,
    to: f.received?.to ?? null,
    like: text ? `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
    forms: text ? eitherScript(text) : null,
    textNo: no ? Number(no[1]) : null,
    units: f.units ? JSON.stringify(f.units) : null,
    noConduct: f.excludeConduct ? 1 : null,
    keys: keysParam(f.accountable),
  };
}

/**
 * A GLOB pattern that finds the text however its Chinese characters were written: each
 * character that has Traditional forms stands for all of them (电缆 → `*[电電][缆纜]*`, 后门 →
 * `*[后後][门門]*`), so a search in either script finds reports typed in either, or in a mix.
 * Null when no character has another form: the LIKE then finds all there is.
 */
function eitherScript(text: string): string | null {
  let other = false;
  let pattern = '*';
  for (const ch of text) {
    const forms = formsOf(ch);
    if ([...forms].length > 1) {
      other = true;
      pattern += `[${forms}]`;
    } else if (/[a-z]/i.test(ch)) {
      // GLOB is case-sensitive where LIKE is not.
      pattern += `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
    } else {
      pattern += '*?['.includes(ch) ? `[${ch}]` : ch;
    }
  }
  return other ? `${pattern}*` : null;
}
