import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../log';
import { createOrm, migrate } from '../db/orm';
import { APP_OWNER } from '../db/embedded';
import { CliError, findTenant, openDatabase } from './common';
import { HaloConnectionRow, SyncRecordError, SyncRun, type EntityProgress } from '../db/entities';
import { createIntegrationServices } from '../integration';
import { startJobQueue, type JobQueue } from '../jobs/queue';
import { SyncEngine } from '../sync/engine';
import { SYNC_ENTITIES } from '../sync/entities';
import { SyncInputError, SyncService } from '../sync/service';

const USAGE = `usage: npm run sync -- --tenant <name or id> [--full] [--entities ${SYNC_ENTITIES.join(',')}]`;

/** Exit codes (sysexits where one fits): the run's outcome, or why none started. */
const EXIT = { ok: 0, failed: 1, partial: 2, usage: 64, noTenant: 67, notConnected: 69, interrupted: 130 } as const;

interface Args {
  tenant: string;
  full: boolean;
  entities: string[] | null;
}

function parse(argv: string[]): Args {
  let values: { tenant?: string; full?: boolean; entities?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { tenant: { type: 'string' }, full: { type: 'boolean' }, entities: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`, EXIT.usage);
  }
  if (values.help) throw new CliError(USAGE, EXIT.ok);
  if (!values.tenant?.trim()) throw new CliError(`--tenant is required\n${USAGE}`, EXIT.usage);
  let entities: string[] | null = null;
  if (values.entities !== undefined) {
    entities = values.entities.split(',').map((e) => e.trim()).filter(Boolean);
    const unknown = entities.filter((e) => !(SYNC_ENTITIES as readonly string[]).includes(e));
    if (!entities.length || unknown.length) {
      throw new CliError(`${unknown.length ? `unknown entities: ${unknown.join(', ')}` : '--entities is empty'} (known: ${SYNC_ENTITIES.join(', ')})`, EXIT.usage);
    }
  }
  return { tenant: values.tenant.trim(), full: values.full ?? false, entities };
}

// ---------------------------------------------------------------------------------------------------------------
// Progress display (stderr): bars redrawn in place on a terminal, one line per change otherwise.

const BAR = 28;
const fmt = (n: number) => n.toLocaleString('en-US');

function bar(p: EntityProgress, frame: number): string {
  if (p.state === 'done') return '█'.repeat(BAR);
  if (p.state === 'pending') return '·'.repeat(BAR);
  if (p.total) {
    const filled = Math.min(BAR, Math.floor((p.done / p.total) * BAR));
    return '█'.repeat(filled) + '░'.repeat(BAR - filled);
  }
  // Halo tells the total only as pages arrive: show activity rather than a made-up fraction.
  const at = frame % (BAR - 4);
  return '░'.repeat(at) + '████' + '░'.repeat(BAR - 4 - at);
}

function line(entity: string, p: EntityProgress, frame: number, rate: number | null): string {
  const count = p.total ? `${fmt(p.done)}/${fmt(p.total)}` : fmt(p.done);
  const extra = p.state === 'running' && rate ? `  ${fmt(Math.round(rate))}/s` : '';
  const errs = p.errors ? `  ${fmt(p.errors)} error${p.errors === 1 ? '' : 's'}` : '';
  return `${entity.padEnd(14)} ${bar(p, frame)} ${p.state.padEnd(8)} ${count.padStart(9)} rows ${fmt(p.pages).padStart(5)} pages${extra}${errs}`;
}

class ProgressView {
  private drawn = 0;
  private frame = 0;
  private readonly lastPrinted = new Map<string, string>();
  private readonly firstSeen = new Map<string, { at: number; done: number }>();
  private lastPlain = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  render(run: SyncRun): void {
    this.frame++;
    const now = Date.now();
    const rows = run.entities.map((e) => {
      const p = run.progress[e];
      let rate: number | null = null;
      if (p.state === 'running') {
        const first = this.firstSeen.get(e) ?? { at: now, done: p.done };
        this.firstSeen.set(e, first);
        rate = now > first.at ? ((p.done - first.done) * 1000) / (now - first.at) : null;
      }
      return { e, p, text: line(e, p, this.frame, rate) };
    });
    if (this.tty) {
      const header = `sync ${run.kind.toLowerCase()} ${run.id}  ${run.status.toLowerCase()}  ${fmt(run.haloRequests)} Halo requests`;
      const text = [header, ...rows.map((r) => r.text)];
      if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
      this.out.write(text.map((t) => `\x1b[2K${t.slice(0, (this.out.columns || 200) - 1)}\n`).join(''));
      this.drawn = text.length;
      return;
    }
    // Not a terminal (CI, a pipe): a line when an entity changes state, and the running one every 5 s.
    const periodic = now - this.lastPlain >= 5000;
    for (const r of rows) {
      const key = r.p.state;
      if (this.lastPrinted.get(r.e) !== key || (periodic && r.p.state === 'running')) {
        this.out.write(`${r.text.replace(/[█░·]+ /, '')}\n`);
        this.lastPrinted.set(r.e, key);
        if (r.p.state === 'running') this.lastPlain = now;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

function summary(run: SyncRun, errors: SyncRecordError[], errorCount: number): string {
  const cols = ['created', 'updated', 'unchanged', 'deleted', 'skipped', 'errors'] as const;
  const head = `${'entity'.padEnd(14)} ${'state'.padEnd(8)} ${'rows'.padStart(8)} ${cols.map((c) => c.padStart(9)).join(' ')}`;
  const totals = Object.fromEntries(cols.map((c) => [c, 0])) as Record<(typeof cols)[number], number>;
  let rows = 0;
  const body = run.entities.map((e) => {
    const p = run.progress[e];
    rows += p.done;
    for (const c of cols) totals[c] += p[c];
    return `${e.padEnd(14)} ${p.state.padEnd(8)} ${fmt(p.done).padStart(8)} ${cols.map((c) => fmt(p[c]).padStart(9)).join(' ')}`;
  });
  const total = `${'total'.padEnd(14)} ${''.padEnd(8)} ${fmt(rows).padStart(8)} ${cols.map((c) => fmt(totals[c]).padStart(9)).join(' ')}`;
  const ms = run.finishedAt && run.startedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null;
  const out = [
    '',
    `Sync run ${run.id} (${run.kind.toLowerCase()}, ${run.trigger}): ${run.status}${run.error ? ` — ${run.error}` : ''}`,
    head,
    ...body,
    total,
    '',
    `Halo requests: ${fmt(run.haloRequests)}   duration: ${ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`}${ms ? `   ${fmt(Math.round((rows * 1000) / ms))} rows/s` : ''}   attempts: ${run.attempts}`,
  ];
  if (errorCount) {
    out.push('', `Record errors: ${fmt(errorCount)}${errorCount > errors.length ? ` (first ${errors.length} shown; all of them: syncRun(id) { errors } in GraphQL)` : ''}`);
    for (const e of errors) {
      const what = [e.entity, e.haloId != null ? `#${e.haloId}` : null, e.name ? `"${e.name}"` : null].filter(Boolean).join(' ');
      out.push(`  ${e.code.padEnd(26)} ${what}: ${e.message}${e.hint ? `\n  ${''.padEnd(26)} fix: ${e.hint}` : ''}`);
    }
  } else {
    out.push('Record errors: none');
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'error');
  const db = await openDatabase(config, log, 'npm run sync');
  const demoRunning = db.embedded?.attached === true && db.embedded.owner.by === APP_OWNER;
  let orm: MikroORM | undefined;
  let queue: JobQueue | undefined;
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    orm = await createOrm({ url: db.url, poolMax: 4 });
    await migrate(orm);
    const tenant = await findTenant(orm, args.tenant);
    const em = orm.em.fork();
    if (!(await em.findOne(HaloConnectionRow, { tenantId: tenant.id, status: { $ne: 'DISCONNECTED' } }))) {
      throw new CliError(`tenant "${tenant.name}" is not connected to Halo: connect it first (GraphQL mutation connectHalo)`, EXIT.notConnected);
    }
    if (tenant.demo && !demoRunning && !config.database.url) {
      throw new CliError(`"${tenant.name}" syncs from the Halo simulator inside the demo process: start the demo first (npm start), then run this again`, EXIT.notConnected);
    }

    queue = await startJobQueue({ url: db.url, log });
    const integration = createIntegrationServices(config, log);
    const engine = new SyncEngine({ orm, access: integration.access, settings: integration.settings, log, staleAfterMs: config.jobs.staleAfterMs });
    const service = new SyncService(orm, queue.boss, log, { staleAfterMs: config.jobs.staleAfterMs });
    let run: SyncRun;
    const asked = Date.now();
    try {
      run = await service.start(em, tenant.id, { kind: args.full ? 'FULL' : 'INCREMENTAL', entities: args.entities, trigger: 'cli' });
    } catch (err) {
      if (err instanceof SyncInputError) throw new CliError(err.message, err.field === 'tenant' ? EXIT.notConnected : EXIT.usage);
      throw err;
    }
    // One run per tenant: asking while one is queued or running returns that one.
    if (run.createdAt.getTime() < asked - 1000) {
      process.stderr.write(`A ${run.kind.toLowerCase()} run (${run.trigger}) is already ${run.status.toLowerCase()} for "${tenant.name}": following it instead.\n`);
    }

    // Execute here; if a worker (npm start) claimed the run first, this returns at once and we follow its progress.
    const executing = engine.execute(run.id, interrupt.signal).catch((err) => {
      log.error({ err: String(err) }, 'sync failed');
      return null;
    });
    const view = new ProgressView(process.stderr);
    const read = () => orm!.em.fork().findOneOrFail(SyncRun, { id: run.id });
    for (;;) {
      const current = await read();
      view.render(current);
      if (current.status !== 'QUEUED' && current.status !== 'RUNNING') {
        run = current;
        break;
      }
      if (interrupt.signal.aborted) {
        await executing;
        process.stderr.write(`\nInterrupted. Run ${run.id} resumes from its last finished entity in a worker (npm start) or the next npm run sync.\n`);
        return EXIT.interrupted;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await executing;
    const errorCount = await orm.em.fork().count(SyncRecordError, { runId: run.id });
    const errors = await service.recordErrors(orm.em.fork(), tenant.id, run.id, 20);
    process.stdout.write(summary(run, errors, errorCount));
    return run.status === 'SUCCEEDED' ? EXIT.ok : run.status === 'PARTIAL' ? EXIT.partial : EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await queue?.stop().catch(() => undefined);
    await orm?.close(true);
    await db.embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof CliError) {
      (err.exitCode === EXIT.ok ? process.stdout : process.stderr).write(`${err.message}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `sync failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
