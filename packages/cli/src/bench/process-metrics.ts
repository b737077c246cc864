import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, platform, release, totalmem, version } from 'node:os';

/**
 * Memory and CPU of this process and its children, read from Linux's `/proc` (elsewhere: this process only,
 * from Node's own counters). Worker threads live in this process, so its figures include them.
 */

let clockTicks: number | undefined;

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, 100 on every common Linux). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Whether `/proc` can be read here (Linux). */
export function hasProcfs(): boolean {
  try {
    readFileSync('/proc/self/status', 'utf8');
    return true;
  } catch {
    return false;
  }
}

/**
 * Resets the peak resident set size ("VmHWM") of this process and `pids` to their current size (Linux:
 * `echo 5 > /proc/<pid>/clear_refs`), so that the next {@link peakRssBytes} covers only what runs from now.
 * Returns whether every reset worked.
 */
export function resetPeakRss(pids: readonly number[]): boolean {
  let ok = true;
  for (const pid of ['self', ...pids]) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      ok = false;
    }
  }
  return ok;
}

/**
 * Peak resident memory of this process plus `pids`, summed, in bytes: each one's `VmHWM` since its last
 * {@link resetPeakRss}. Without `/proc`, this process's `maxRSS` since it started.
 */
export function peakRssBytes(pids: readonly number[]): number {
  let total = 0;
  for (const pid of ['self' as const, ...pids]) {
    const kib = statusField(pid, 'VmHWM');
    if (kib !== undefined) total += kib * 1024;
    else if (pid === 'self') total += process.resourceUsage().maxRSS * 1024;
  }
  return total;
}

/** CPU time (user + system) used so far by this process (all its threads) and by `pids`, in seconds. */
export function cpuSeconds(pids: readonly number[]): number {
  const own = process.cpuUsage();
  let total = (own.user + own.system) / 1e6;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
    } catch {
      // The process has exited: its time is lost to this count.
    }
  }
  return total;
}

/**
 * `pids` and every process descending from them (children, grandchildren, ...), from the parent ids in
 * `/proc/<pid>/stat`; `pids` alone without `/proc`. For processes the bench starts itself (`yolokit worker`),
 * whose own children (a `processes` pool) it does not know.
 */
export function withDescendants(pids: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [...pids];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the command name (which may hold spaces and parentheses): state, then the parent's pid.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Gone since the listing.
    }
  }
  const all = new Set<number>();
  const visit = (pid: number): void => {
    if (all.has(pid)) return;
    all.add(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  for (const pid of pids) visit(pid);
  return [...all];
}

function statusField(pid: number | 'self', field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The machine, as the bench JSON describes it. */
export interface MachineInfo {
  readonly cpu: { readonly model: string; readonly cores: number; readonly availableParallelism: number; readonly speedMHz: number };
  readonly memoryBytes: number;
  readonly os: { readonly platform: string; readonly release: string; readonly version: string; readonly distribution?: string; readonly arch: string };
  readonly node: string;
  readonly v8: string;
  /** Versions of what runs the model and the images: the model's runtime as it reports itself, sharp, libvips, yolokit. */
  readonly runtimes: Readonly<Record<string, string>>;
}

/** Describes this machine; `runtimes` adds the versions the caller knows (model runtime, yolokit packages). */
export function machineInfo(runtimes: Readonly<Record<string, string>>): MachineInfo {
  const cpu = cpus();
  const distribution = osRelease();
  return {
    cpu: { model: cpu[0]?.model?.trim() ?? 'unknown', cores: cpu.length, availableParallelism: availableParallelism(), speedMHz: cpu[0]?.speed ?? 0 },
    memoryBytes: totalmem(),
    os: { platform: platform(), release: release(), version: version(), ...(distribution ? { distribution } : {}), arch: arch() },
    node: process.version,
    v8: process.versions.v8,
    runtimes,
  };
}

function osRelease(): string | undefined {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
