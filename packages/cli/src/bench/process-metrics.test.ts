import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { hasProcfs, withDescendants } from './process-metrics.js';

describe.skipIf(!hasProcfs())('withDescendants (Linux /proc)', () => {
  it('adds the children and grandchildren of the pids given', async () => {
    // A shell whose child is another shell whose child sleeps: three generations.
    const child = spawn('sh', ['-c', 'sh -c "sleep 30 & echo \\$!; wait" & wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      const sleeper = Number(String(line).trim());
      const all = withDescendants([child.pid!]);
      expect(all[0]).toBe(child.pid);
      expect(all).toContain(sleeper);
      expect(all.length).toBeGreaterThanOrEqual(3);
      expect(withDescendants([])).toEqual([]);
    } finally {
      // Ours only, by pid: the sleeper, its shell, then the outer shell.
      for (const pid of withDescendants([child.pid!]).reverse()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  });
});
