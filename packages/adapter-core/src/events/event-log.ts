import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CachingEvent, LogLevel } from './caching-event.js';

const INFO_TYPES = new Set(['GET_RESULT', 'EXECUTE_NODE']);

/**
 * True when an event is kept at `level`: `info` keeps retrieved-from-cache (GET_RESULT, including
 * `deferred` retrievals whose value is read lazily) and EXECUTE_NODE events; `debug` keeps all.
 */
export function keptAt(event: CachingEvent, level: LogLevel): boolean {
  if (level === 'debug') return true;
  return INFO_TYPES.has(event.eventType);
}

/** Groups events by node (`name`, or `name::taskId` for fan-out tasks), keeping those at `level`. */
export function groupByNode(events: readonly CachingEvent[], level: LogLevel): Record<string, CachingEvent[]> {
  const out: Record<string, CachingEvent[]> = {};
  for (const e of events) {
    if (!keptAt(e, level)) continue;
    const k = e.taskId ? `${e.nodeName}::${e.taskId}` : e.nodeName;
    (out[k] ??= []).push(e);
  }
  return out;
}

/**
 * The events of one run, in memory, optionally appended as JSON lines to a file as they happen
 * (synchronously, so a crash still leaves every event before it on disk).
 */
export class EventLog {
  readonly events: CachingEvent[] = [];
  private fileReady = false;

  constructor(private readonly file?: string) {}

  push(event: CachingEvent): void {
    this.events.push(event);
    if (this.file) {
      if (!this.fileReady) {
        mkdirSync(dirname(this.file), { recursive: true });
        this.fileReady = true;
      }
      appendFileSync(this.file, JSON.stringify(event) + '\n');
    }
  }
}
