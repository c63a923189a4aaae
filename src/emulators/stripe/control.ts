/**
 * The control API under /_emulator (emulator only, no auth, documented in docs/emulators.md):
 * clock, injected faults, webhook delivery log, the hosted page's variant, reset.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { invalidRequest } from './errors.ts';
import { apiFaultSchema, CHECKOUT_PAGE_FAULTS, type Faults } from './faults.ts';
import { accountVariant, checkoutPageVariantSchema, randomVariant, resetAccountVariant, setAccountVariant } from './checkout-page/variants.ts';
import { bracketPath } from './params.ts';
import type { Emulator } from './context.ts';
import type { WebhookDispatcher } from './webhooks.ts';

/** The clock stays within what a JavaScript Date (and so every timestamp the emulator formats) can hold. */
const MAX_UNIX_SECONDS = 253_402_300_799; // 9999-12-31T23:59:59Z

// One object with both fields optional, not a union: a union's error ("Invalid input") names no
// field, while this names the field that is wrong.
const clockBody = z
  .strictObject({
    now: z.number().int().min(0).max(MAX_UNIX_SECONDS).optional(),
    advance_seconds: z.number().int().min(-MAX_UNIX_SECONDS).max(MAX_UNIX_SECONDS).optional(),
  })
  .refine((b) => (b.now === undefined) !== (b.advance_seconds === undefined), {
    error: 'send exactly one of now, advance_seconds',
  });

const faultsBody = z.strictObject({
  api: z.array(apiFaultSchema).optional(),
  checkout_page: z.enum(CHECKOUT_PAGE_FAULTS).optional(),
  webhooks: z
    .strictObject({
      duplicate_rate: z.number().min(0).max(1).optional(),
      reorder: z.boolean().optional(),
      drop_rate: z.number().min(0).max(1).optional(),
      fail_first: z.number().int().min(0).max(10).optional(),
    })
    .optional(),
});

// The whole variant, or a seed to pick one from (replayable: the same seed, the same page).
const checkoutPageBody = z
  .strictObject({
    variant: checkoutPageVariantSchema.optional(),
    random: z.union([z.number().int(), z.string().min(1).max(200)]).optional(),
  })
  .refine((b) => (b.variant === undefined) !== (b.random === undefined), { error: 'send exactly one of variant, random' });

const retryBody = z.strictObject({ event: z.string().startsWith('evt_').optional() });

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    // An unknown key is named by its own path, not its parent's.
    const where = bracketPath(issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path);
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
      if (body.now !== undefined) {
        emu.clock.set(body.now);
      } else {
        const target = emu.clock.now() + body.advance_seconds!;
        if (target < 0 || target > MAX_UNIX_SECONDS) {
          throw invalidRequest(`Invalid clock body at advance_seconds: the clock would move to ${target}, outside 0..${MAX_UNIX_SECONDS}`, 'advance_seconds');
        }
        emu.clock.advance(body.advance_seconds!);
      }
      emu.store.clockOffsetMs = emu.clock.offset;
      hooks.onClockChange();
      await hooks.persist();
      return { now: emu.clock.now() };
    });

    const currentFaults = () => ({ api: faults.list(), checkout_page: faults.checkoutPage, webhooks: dispatcher.getFaults() });
    app.get('/_emulator/faults', async () => currentFaults());
    app.post('/_emulator/faults', async (req) => {
      const body = parse(faultsBody, req.body, 'faults body');
      if (body.api) faults.set(body.api);
      if (body.checkout_page) faults.checkoutPage = body.checkout_page;
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

    app.post('/_emulator/webhook-deliveries/retry', async (req) => {
      const { event } = parse(retryBody, req.body ?? {}, 'retry body (send {} for every waiting event, or {"event": "evt_…"})');
      if (event !== undefined && !emu.store.find('event', event)) throw invalidRequest(`Invalid retry body at event: no such event '${event}'`, 'event');
      return { object: 'list', data: emu.events.resendPending(event) };
    });

    app.get('/_emulator/checkout-page', async () => ({ variant: accountVariant(emu) }));
    app.post('/_emulator/checkout-page', async (req) => {
      const body = parse(
        checkoutPageBody,
        req.body,
        'checkout page body (send {"variant": {"accordion": bool, "link": bool, "billing_address": "auto"|"required"}} or {"random": seed})',
      );
      const variant = setAccountVariant(emu, body.variant ?? randomVariant(body.random!));
      return { variant, ...(body.random !== undefined ? { seed: body.random } : {}) };
    });
    app.delete('/_emulator/checkout-page', async () => {
      resetAccountVariant(emu);
      return { variant: accountVariant(emu) };
    });

    app.post('/_emulator/reset', async () => {
      hooks.reset();
      resetAccountVariant(emu);
      await hooks.persist();
      return { reset: true };
    });
  };
}
