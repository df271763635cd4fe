// CPU time spent by each part of a benchmark, read from /proc (Linux): the work a run took, which
// on a shared 2-core machine whose speed drifts by tens of percent from one minute to the next is a
// steadier figure than the wall-clock rate. Also a fixed CPU loop, timed, so that figures from
// different moments and machines can be compared.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on

/** utime + stime of a process in seconds, and its command line; null when it is gone. */
function processCpu(pid: number): { seconds: number; cmdline: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after it are counted
    // from its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, cmdline };
  } catch {
    return null;
  }
}

export type CpuGroups = Record<string, (pid: number, cmdline: string) => boolean>;

/** Each group's CPU seconds so far, per process (so that a later reading can subtract). */
export type CpuReading = Map<string, Map<number, number>>;

export function readCpu(groups: CpuGroups): CpuReading {
  const reading: CpuReading = new Map(Object.keys(groups).map((g) => [g, new Map<number, number>()]));
  let pids: number[] = [];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return reading; // not Linux: nothing to report
  }
  for (const pid of pids) {
    const p = processCpu(pid);
    if (p === null) continue;
    for (const [group, member] of Object.entries(groups)) {
      if (member(pid, p.cmdline)) reading.get(group)?.set(pid, p.seconds);
    }
  }
  return reading;
}

/**
 * CPU seconds each group spent between two readings. A process that ended in between is not
 * counted (its time is gone from /proc); one that started in between counts from zero.
 */
export function cpuSpent(before: CpuReading, after: CpuReading): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [group, now] of after) {
    const then = before.get(group) ?? new Map<number, number>();
    let s = 0;
    for (const [pid, seconds] of now) s += seconds - (then.get(pid) ?? 0);
    spent[group] = s;
  }
  return spent;
}

/** PostgreSQL's server processes (backends, WAL writer, checkpointer, autovacuum). */
export const isPostgres = (_pid: number, cmdline: string): boolean => cmdline.startsWith('postgres');
export const isRedis = (_pid: number, cmdline: string): boolean => cmdline.startsWith('redis-server');
export const isOneOf =
  (pids: () => Array<number | undefined>) =>
  (pid: number): boolean =>
    pids().includes(pid);

/**
 * Seconds a fixed 3·10⁸-step loop takes on this thread now: the machine's speed at that moment
 * (0.51–1.00 s within minutes on the same 2-core machine, 2026-12-02).
 */
export function cpuLoopSeconds(): number {
  const t0 = process.hrtime.bigint();
  let x = 0;
  for (let i = 0; i < 3e8; i++) x += i % 7;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return x < 0 ? -1 : seconds; // x is used, so the loop is not optimised away
}
