import cron, { type ScheduledTask } from 'node-cron';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { HaloConnectionRow } from '../db/entities';
import type { Logger } from '../log';
import type { SyncEntity } from './entities';
import type { SyncService } from './service';

export interface ScheduleSpec {
  name: string;
  cron: string;
  /** null: every entity. A function decides per tenant (an empty list: no run for that tenant this time). */
  entities: SyncEntity[] | null | ((em: EntityManager, tenantId: string) => Promise<readonly SyncEntity[]>);
}

/**
 * node-cron only decides *when*; Postgres decides *who*. Every process runs the same schedule, and for each slot
 * the first process to insert its key into schedule_slot enqueues the incremental runs; the others skip it.
 */
export class SyncScheduler {
  private tasks: ScheduledTask[] = [];

  constructor(
    private readonly orm: MikroORM,
    private readonly service: SyncService,
    private readonly log: Logger,
    private readonly specs: ScheduleSpec[],
  ) {}

  start(): void {
    for (const spec of this.specs) {
      const task = cron.schedule(
        spec.cron,
        async (ctx) => {
          await this.fire(spec, ctx.date).catch((err) => this.log.warn({ err: String(err), schedule: spec.name }, 'scheduled sync failed'));
        },
        { name: `sync:${spec.name}`, noOverlap: true },
      );
      this.tasks.push(task);
    }
  }

  /** Claims one slot (a schedule at a time, to the second) and, if this process won it, starts the runs. */
  async fire(spec: ScheduleSpec, at: Date): Promise<{ claimed: boolean; started: number }> {
    const slot = `${spec.name}:${new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString()}`;
    const em = this.orm.em.fork();
    const claimed = await em.getConnection().execute<{ key: string }[]>(
      `insert into schedule_slot (key, at) values (?, now()) on conflict do nothing returning key`,
      [slot],
    );
    if (!claimed.length) return { claimed: false, started: 0 };
    const tenants = await em.find(HaloConnectionRow, { status: 'CONNECTED' }, { fields: ['tenantId'] });
    let started = 0;
    for (const { tenantId } of tenants) {
      try {
        const entities = typeof spec.entities === 'function' ? [...(await spec.entities(em, tenantId))] : spec.entities;
        if (entities && !entities.length) continue;
        await this.service.start(em, tenantId, { kind: 'INCREMENTAL', entities, trigger: `schedule:${spec.name}` });
        started++;
      } catch (err) {
        this.log.warn({ tenantId, err: String(err) }, 'could not start a scheduled sync');
      }
    }
    return { claimed: true, started };
  }

  stop(): void {
    for (const t of this.tasks) void t.stop();
    this.tasks = [];
  }
}
