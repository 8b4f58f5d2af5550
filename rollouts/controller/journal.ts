/**
 * The decision journal: one JSON record per line, appended and fsync'd before the controller
 * acts on what it recorded, so a crash loses at most the record being written. A torn last
 * line (the process died mid-write) is dropped on open and cut from the file, so the next
 * record starts on a line of its own; a damaged line elsewhere is skipped and reported.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Journal, JournalRecord } from './types.ts';

export interface JournalProblem {
  line: number;
  message: string;
}

function looksLikeRecord(value: unknown): value is JournalRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.type !== 'string' || typeof record.key !== 'string') return false;
  if (record.type === 'state') return typeof record.state === 'object' && record.state !== null;
  if (record.type === 'measurement') return typeof record.measurement === 'object' && record.measurement !== null;
  return true;
}

export class FileJournal implements Journal {
  private fd: number | undefined;
  private readonly loaded: JournalRecord[] = [];
  /** Lines that could not be read (the torn last line included). */
  readonly problems: JournalProblem[] = [];

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    let keepBytes = 0;
    if (existsSync(path)) {
      const buffer = readFileSync(path);
      let start = 0;
      let line = 0;
      while (start < buffer.length) {
        line++;
        const end = buffer.indexOf(0x0a, start);
        if (end === -1) {
          // no newline: the write of this record never finished
          this.problems.push({ line, message: 'torn last record (no end of line): dropped' });
          break;
        }
        const text = buffer.subarray(start, end).toString('utf8');
        start = end + 1;
        keepBytes = start;
        if (text.trim() === '') continue;
        try {
          const parsed: unknown = JSON.parse(text);
          // a damaged line can still be JSON; restore reads .type, .key and .state of every record
          if (!looksLikeRecord(parsed)) {
            this.problems.push({ line, message: 'unreadable record skipped: not a journal record (an object with type and key)' });
            continue;
          }
          this.loaded.push(parsed);
        } catch (e) {
          this.problems.push({ line, message: `unreadable record skipped: ${(e as Error).message}` });
        }
      }
    }
    if (existsSync(path)) truncateSync(path, keepBytes);
    this.fd = openSync(path, 'a');
  }

  append(record: JournalRecord): void {
    if (this.fd === undefined) throw new Error(`the journal ${this.path} is closed`);
    const bytes = Buffer.from(JSON.stringify(record) + '\n');
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    fsyncSync(this.fd);
    this.loaded.push(record);
  }

  records(): JournalRecord[] {
    return [...this.loaded];
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A journal in memory (tests, `--journal none`). */
export class MemoryJournal implements Journal {
  private readonly list: JournalRecord[] = [];
  append(record: JournalRecord): void {
    this.list.push(JSON.parse(JSON.stringify(record)) as JournalRecord);
  }
  records(): JournalRecord[] {
    return [...this.list];
  }
  close(): void {}
}
