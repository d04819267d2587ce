// One statement or script sent to the server by hand (pg's Submittable), keeping no more rows than asked for:
// - `portal`: one statement over the extended protocol, its portal executed with a row limit of row_limit + 1, so
//   the server sends at most that many rows and a PortalSuspended says there were more;
// - `script`: any number of statements over the simple protocol; the server streams every row, only the last
//   statement's first row_limit are kept and the rest dropped as they arrive.
// Rows past the JSON byte cap are dropped the same way. Values come as the server's text and become JSON-safe
// (sql-values.ts), so no pg type parser runs.
import type pg from 'pg';
import { jsonValue } from './sql-values.ts';

export type StatementMode = { kind: 'portal'; params: ReadonlyArray<string | number | boolean | null> } | { kind: 'script' };

export interface StatementOutcome {
  columns: Array<{ name: string; typeOid: number }>;
  rows: unknown[][];
  /** The command tag's verb of the last statement; null for an empty statement or a portal cut at the row limit. */
  command: string | null;
  rowCount: number | null;
  truncated: boolean;
}

/** The protocol messages pg's Connection sends (the typings lack some). */
interface WireConnection {
  query(text: string): void;
  parse(config: { text: string; types: number[] }): void;
  bind(config: { values: Array<string | null> }): void;
  describe(config: { type: 'P'; name: string }): void;
  execute(config: { portal: string; rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
  stream: { cork?(): void; uncork?(): void };
}

interface FieldMessage {
  name: string;
  dataTypeID: number;
}

/** "INSERT 0 5" -> INSERT, 5; "CREATE TABLE" -> CREATE TABLE, null; "SELECT 3" -> SELECT, 3. */
export function parseCommandTag(tag: string): { command: string; rowCount: number | null } {
  const match = /^(.*?)(?: \d+)?(?: (\d+))$/.exec(tag);
  if (!match) return { command: tag, rowCount: null };
  return { command: match[1]!, rowCount: Number(match[2]) };
}

export class LimitedStatement implements pg.Submittable {
  readonly outcome: Promise<StatementOutcome>;
  private settle!: { resolve(outcome: StatementOutcome): void; reject(error: Error): void };
  private columns: StatementOutcome['columns'] = [];
  private rows: unknown[][] = [];
  private bytes = 0;
  private truncated = false;
  private command: string | null = null;
  private rowCount: number | null = null;
  /** The current statement described its rows (a statement without a RowDescription returns none). */
  private described = false;

  constructor(
    private readonly text: string,
    private readonly mode: StatementMode,
    private readonly rowLimit: number,
    private readonly maxBytes: number,
  ) {
    this.outcome = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // The caller may await only after a later step; the rejection is still observed there.
    this.outcome.catch(() => undefined);
  }

  submit(connection: pg.Connection): void {
    const wire = connection as unknown as WireConnection;
    if (this.mode.kind === 'script') {
      wire.query(this.text);
      return;
    }
    const values = this.mode.params.map((value) => (value === null ? null : String(value)));
    // One write for the whole pipeline, as pg itself does.
    wire.stream.cork?.();
    try {
      wire.parse({ text: this.text, types: [] });
      wire.bind({ values });
      wire.describe({ type: 'P', name: '' });
      wire.execute({ portal: '', rows: this.rowLimit + 1 });
      wire.sync();
    } finally {
      wire.stream.uncork?.();
    }
  }

  handleRowDescription(message: { fields: FieldMessage[] }): void {
    this.columns = message.fields.map((field) => ({ name: field.name, typeOid: field.dataTypeID }));
    this.rows = [];
    this.bytes = 0;
    this.truncated = false;
    this.described = true;
  }

  handleDataRow(message: { fields: Array<string | null> }): void {
    if (this.truncated || this.rows.length >= this.rowLimit) {
      this.truncated = true;
      return;
    }
    const row = message.fields.map((text, index) => jsonValue(text, this.columns[index]?.typeOid ?? 0));
    const size = Buffer.byteLength(JSON.stringify(row)) + 1;
    if (this.bytes + size > this.maxBytes) {
      this.truncated = true;
      return;
    }
    this.bytes += size;
    this.rows.push(row);
  }

  handleCommandComplete(message: { text: string }): void {
    if (!this.described) {
      // A statement that returns no rows ends a script: its result replaces the earlier statements'.
      this.columns = [];
      this.rows = [];
      this.truncated = false;
    }
    this.described = false;
    const { command, rowCount } = parseCommandTag(message.text);
    this.command = command;
    this.rowCount = rowCount;
  }

  handlePortalSuspended(): void {
    // More rows than the limit: the portal stays unread and the Sync already sent closes it.
    this.truncated = true;
    this.command = null;
    this.rowCount = null;
  }

  handleEmptyQuery(): void {
    this.columns = [];
    this.rows = [];
    this.command = null;
    this.rowCount = null;
    this.truncated = false;
    this.described = false;
  }

  handleError(error: Error): void {
    this.settle.reject(error);
  }

  handleReadyForQuery(): void {
    this.settle.resolve({ columns: this.columns, rows: this.rows, command: this.command, rowCount: this.rowCount, truncated: this.truncated });
  }

  handleCopyInResponse(connection: pg.Connection): void {
    // The editor has no file to send: the server ends the COPY with this as its error.
    (connection as unknown as WireConnection).sendCopyFail('COPY FROM STDIN is not available here: the SQL editor sends no data');
  }

  handleCopyData(): void {
    // COPY TO STDOUT: the data is not kept; the command tag says how many rows.
  }
}
