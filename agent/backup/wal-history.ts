// What a cluster's archive says about its history, as pure functions over object names and a few small files:
// WAL segment names and their order, timeline history files, which base backup a point in time restores from,
// the span a cluster can be restored to, and breaks in the archived WAL. Names follow PostgreSQL's
// (src/include/access/xlog_internal.h): a segment is TTTTTTTTXXXXXXXXYYYYYYYY (timeline, log, segment of 16 MiB),
// a timeline's history is TTTTTTTT.history with one `parent-tli <tab> switch-lsn <tab> reason` line per ancestor.

/** The segment size of every server the agent initialises (initdb's default). */
export const WAL_SEGMENT_BYTES = 16 * 1024 * 1024;
const SEGMENTS_PER_LOG = 0x1_0000_0000 / WAL_SEGMENT_BYTES;

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;
const PARTIAL = /^([0-9A-F]{24})\.partial$/;
const HISTORY = /^([0-9A-F]{8})\.history$/;
const BACKUP_LABEL = /^([0-9A-F]{24})\.[0-9A-F]{8}\.backup$/;

/** Every file name PostgreSQL hands to archive_command or asks of restore_command; nothing else is accepted. */
export function isArchiveFileName(name: string): boolean {
  return SEGMENT.test(name) || PARTIAL.test(name) || HISTORY.test(name) || BACKUP_LABEL.test(name);
}

export interface SegmentName {
  timeline: number;
  /** Position in the WAL across logs: log × segments-per-log + segment. */
  seq: number;
}

export function parseSegmentName(name: string): SegmentName | null {
  const match = SEGMENT.exec(name);
  if (!match) return null;
  return { timeline: Number.parseInt(match[1]!, 16), seq: Number.parseInt(match[2]!, 16) * SEGMENTS_PER_LOG + Number.parseInt(match[3]!, 16) };
}

export function segmentName(timeline: number, seq: number): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(Math.floor(seq / SEGMENTS_PER_LOG))}${hex(seq % SEGMENTS_PER_LOG)}`;
}

export function historyTimeline(name: string): number | null {
  const match = HISTORY.exec(name);
  return match ? Number.parseInt(match[1]!, 16) : null;
}

export function historyFileName(timeline: number): string {
  return `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
}

/** An LSN ('16/B374D848') as a byte position; exact up to 2^53, which is 8 PiB of WAL. */
export function lsnBytes(lsn: string): number {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!match) throw new Error(`not an LSN: ${JSON.stringify(lsn)}`);
  return Number.parseInt(match[1]!, 16) * 0x1_0000_0000 + Number.parseInt(match[2]!, 16);
}

export function lsnSegment(lsn: string): number {
  return Math.floor(lsnBytes(lsn) / WAL_SEGMENT_BYTES);
}

/** A timeline's ancestors: where each parent timeline was left for the next. */
export interface TimelineSwitch {
  parent: number;
  switchLsn: string;
}

export function parseHistory(text: string): TimelineSwitch[] {
  const switches: TimelineSwitch[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [parent, switchLsn] = trimmed.split(/\s+/);
    if (!parent || !switchLsn || !/^\d+$/.test(parent)) throw new Error(`not a timeline history line: ${JSON.stringify(trimmed)}`);
    lsnBytes(switchLsn);
    switches.push({ parent: Number(parent), switchLsn });
  }
  return switches;
}

/** A completed base backup as its `backup.json` records it. */
export interface BaseBackupInfo {
  backup_id: string;
  engine: 'native' | 'pglite';
  /** The PostgreSQL major version of the data (a restore needs the same). */
  major: number | null;
  timeline: number | null;
  begin_lsn: string | null;
  end_lsn: string | null;
  begin_time: string;
  end_time: string;
  size_bytes: number;
}

/**
 * Whether a backup lies on the history of `timeline`: taken on it, or on an ancestor before the history left that
 * ancestor. A backup taken on an ancestor after the switch belongs to a history the timeline abandoned.
 */
export function onHistory(backup: BaseBackupInfo, timeline: number, history: readonly TimelineSwitch[]): boolean {
  const tli = backup.timeline ?? 1;
  if (tli === timeline) return true;
  const left = history.find((entry) => entry.parent === tli);
  if (!left || backup.begin_lsn === null) return false;
  return lsnBytes(backup.begin_lsn) < lsnBytes(left.switchLsn);
}

export interface ArchivedFile {
  name: string;
  archivedAt: Date;
}

/**
 * The timeline the cluster was on at `time`: the newest whose history file was archived by then (a promotion archives
 * it at once), else the oldest timeline any segment or backup is on.
 */
export function timelineAt(time: Date, files: readonly ArchivedFile[], backups: readonly BaseBackupInfo[]): number {
  let timeline = 0;
  for (const file of files) {
    const tli = historyTimeline(file.name);
    if (tli !== null && file.archivedAt.getTime() <= time.getTime()) timeline = Math.max(timeline, tli);
  }
  if (timeline > 0) return timeline;
  const seen = [
    ...files.map((file) => parseSegmentName(file.name)?.timeline ?? Number.POSITIVE_INFINITY),
    ...backups.map((backup) => backup.timeline ?? 1),
  ];
  const oldest = Math.min(...seen);
  return Number.isFinite(oldest) ? oldest : 1;
}

/** The newest backup a restore to `time` on `timeline` can start from: ended by then and on the timeline's history. */
export function backupFor(time: Date, timeline: number, history: readonly TimelineSwitch[], backups: readonly BaseBackupInfo[]): BaseBackupInfo | null {
  let best: BaseBackupInfo | null = null;
  for (const backup of backups) {
    if (new Date(backup.end_time).getTime() > time.getTime()) continue;
    if (!onHistory(backup, timeline, history)) continue;
    if (!best || new Date(backup.end_time).getTime() > new Date(best.end_time).getTime()) best = backup;
  }
  return best;
}

export interface RestoreWindow {
  earliest: string | null;
  latest: string | null;
  pointInTime: boolean;
  limitation: string | null;
  walGap: string | null;
}

export const PGLITE_LIMITATION =
  'PGlite keeps no WAL archive, so this cluster restores to its full backups only; point-in-time restore and branching at a time need native PostgreSQL';
export const NO_WAL_LIMITATION = 'No WAL has been archived yet, so only the backups themselves can be restored to';

/**
 * What the archive can restore to: from the end of the oldest backup to the newest archived WAL reachable from some
 * backup without a break (the WAL of a segment is all written before the segment reaches the archive), or, with no
 * WAL to replay, the backups' own ends. A missing segment after the oldest backup is a gap, reported for people:
 * restores cannot cross it, so times just past it are reachable only from a backup taken after it.
 */
export function restoreWindow(backups: readonly BaseBackupInfo[], files: readonly ArchivedFile[]): RestoreWindow {
  const completed = [...backups].sort((a, b) => a.end_time.localeCompare(b.end_time));
  if (completed.length === 0) return { earliest: null, latest: null, pointInTime: false, limitation: null, walGap: null };
  const oldest = completed[0]!;
  const newest = completed[completed.length - 1]!;
  const backupsOnly = (limitation: string): RestoreWindow => ({ earliest: oldest.end_time, latest: newest.end_time, pointInTime: false, limitation, walGap: null });
  if (newest.engine === 'pglite') return backupsOnly(PGLITE_LIMITATION);

  // Segments by position, whatever timeline holds them (a promotion continues the numbering).
  const archivedAt = new Map<number, number>();
  const timelines = new Map<number, number>();
  for (const file of files) {
    const segment = parseSegmentName(file.name);
    if (!segment) continue;
    archivedAt.set(segment.seq, Math.max(archivedAt.get(segment.seq) ?? 0, file.archivedAt.getTime()));
    timelines.set(segment.seq, Math.max(timelines.get(segment.seq) ?? 0, segment.timeline));
  }
  if (archivedAt.size === 0) return backupsOnly(NO_WAL_LIMITATION);

  const last = Math.max(...archivedAt.keys());
  let latest = new Date(newest.end_time).getTime();
  for (const backup of completed) {
    if (!backup.begin_lsn) continue;
    // The backup's own archive holds the WAL up to its end; replay continues from its first segment.
    for (let seq = lsnSegment(backup.begin_lsn); seq <= last; seq++) {
      const at = archivedAt.get(seq);
      if (at === undefined) break;
      latest = Math.max(latest, at);
    }
  }
  let walGap: string | null = null;
  const from = oldest.begin_lsn ? lsnSegment(oldest.begin_lsn) : Math.min(...archivedAt.keys());
  for (let seq = from; seq <= last; seq++) {
    if (archivedAt.has(seq)) continue;
    const before = timelines.get(seq - 1) ?? 1;
    walGap = `WAL segment ${segmentName(before, seq)} is missing from the archive: restores cannot replay across it, so times after it are reachable only from a backup taken later`;
    break;
  }
  return { earliest: oldest.end_time, latest: new Date(latest).toISOString(), pointInTime: true, limitation: null, walGap };
}
