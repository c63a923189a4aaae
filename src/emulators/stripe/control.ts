/**
 * The control API under /_emulator (emulator only, no auth, documented in the README):
 * clock, injected faults, webhook delivery log, reset.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { invalidRequest } from './errors.ts';
import { apiFaultSchema, type Faults } from './faults.ts';
import { bracketPath } from './params.ts';
import type { Emulator } from './context.ts';
import type { WebhookDispatcher } from './webhooks.ts';

const clockBody = z.union([
  z.strictObject({ now: z.number().int().min(0) }),
  z.strictObject({ advance_seconds: z.number().int() }),
]);

const faultsBody = z.strictObject({
  api: z.array(apiFaultSchema).optional(),
  webhooks: z
    .strictObject({
      duplicate_rate: z.number().min(0).max(1).optional(),
      reorder: z.boolean().optional(),
      drop_rate: z.number().min(0).max(1).optional(),
    })
    .optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = bracketPath(issue.path);
    throw invalidRequest(`Invalid ${what}${where ? ` at ${where}` : ''}: ${issue.message}`, where || undefined);
  }
  return result.data;
}

export function controlRoutes(
  emu: Emulator,
  faults: Faults,
  dispatcher: WebhookDispatcher,
  hooks: { onClockChange: () => void; reset: () => void; persist: () => Promise<void> },
) {
  return (app: FastifyInstance): void => {
    app.get('/_emulator/health', async () => ({ ok: true }));

    app.get('/_emulator/clock', async () => ({ now: emu.clock.now() }));
    app.post('/_emulator/clock', async (req) => {
      const body = parse(clockBody, req.body, 'clock body (send {"now": unixSeconds} or {"advance_seconds": n})');
      if ('now' in body) emu.clock.set(body.now);
      else emu.clock.advance(body.advance_seconds);
      emu.store.clockOffsetMs = emu.clock.offset;
      hooks.onClockChange();
      await hooks.persist();
      return { now: emu.clock.now() };
    });

    const currentFaults = () => ({ api: faults.list(), webhooks: dispatcher.getFaults() });
    app.get('/_emulator/faults', async () => currentFaults());
    app.post('/_emulator/faults', async (req) => {
      const body = parse(faultsBody, req.body, 'faults body');
      if (body.api) faults.set(body.api);
      if (body.webhooks) dispatcher.setFaults(body.webhooks);
      return currentFaults();
    });
    app.delete('/_emulator/faults', async () => {
      faults.clear();
      dispatcher.clearFaults();
      return currentFaults();
    });

    app.get('/_emulator/webhook-deliveries', async (req) => {
      const q = req.query as Record<string, unknown>;
      const eventId = typeof q.event === 'string' ? q.event : undefined;
      const endpointId = typeof q.endpoint === 'string' ? q.endpoint : undefined;
      return { object: 'list', data: dispatcher.deliveries({ eventId, endpointId }) };
    });

    app.post('/_emulator/reset', async () => {
      hooks.reset();
      await hooks.persist();
      return { reset: true };
    });
  };
}
