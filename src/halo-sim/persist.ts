/**
 * A simulator whose tenant survives a restart (the demo's): its state is written to a JSON file shortly after every
 * change and when it stops, and read back on start instead of seeding. A process killed with SIGKILL loses at most
 * the changes of the last `delayMs` (default 100 ms) before the kill; a clean stop loses nothing.
 *
 * The file is bound to what it was seeded from (scale, seed, truth seed): a file of another world is ignored and
 * replaced, never mixed in.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { SimClock } from './clock';
import type { HaloState, HaloStateData } from './state';

const FORMAT = 1;

/** What a state file was seeded from; a file is only restored into the same. */
export interface StateFileIdentity {
  scale: string;
  seed: number;
  truthSeed: number;
}

interface StateFileContent extends StateFileIdentity {
  format: number;
  savedAt: string;
  clock: { offset: number; last: number };
  data: HaloStateData;
}

/**
 * Restores `state` from `file` when it holds the same world; false when there is none to restore (or it is unreadable
 * or of another world, which is then left for the next save to replace).
 */
export function restoreState(file: string, identity: StateFileIdentity, state: HaloState, clock: SimClock): boolean {
  let content: StateFileContent;
  try {
    content = JSON.parse(readFileSync(file, 'utf8')) as StateFileContent;
  } catch {
    return false;
  }
  if (content.format !== FORMAT || content.scale !== identity.scale || content.seed !== identity.seed || content.truthSeed !== identity.truthSeed) return false;
  state.importData(content.data);
  clock.importState(content.clock);
  return true;
}

/** Saves the state after changes (coalesced, one write at a time, atomically by rename) and on `close()`. */
export class StatePersister {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly identity: StateFileIdentity,
    private readonly state: HaloState,
    private readonly clock: SimClock,
    private readonly delayMs = 100,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    state.onDirty(() => this.changed());
  }

  private content(): string {
    const content: StateFileContent = {
      format: FORMAT,
      ...this.identity,
      savedAt: new Date().toISOString(),
      clock: this.clock.exportState(),
      data: this.state.exportData(),
    };
    return JSON.stringify(content);
  }

  private changed(): void {
    if (this.closed) return;
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.writeNow()).catch(() => undefined);
    }, this.delayMs);
  }

  private async writeNow(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, this.content());
    await rename(tmp, this.file);
  }

  /** Writes the state at once, synchronously (start-up, and shutdown paths that cannot wait). */
  saveNow(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, this.content());
    renameSync(tmp, this.file);
    this.dirty = false;
  }

  /** Stops saving after the final write. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    this.saveNow();
  }
}
