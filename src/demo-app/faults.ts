/**
 * Bad deploys on demand: each fault is one real way a deploy of the app breaks the upgrade.
 * With no fault set, none of these code paths changes anything.
 */
export const FAULTS = {
  'webhook-500': 'the webhook handler answers 500 to every delivery',
  'webhook-timeout': 'the webhook handler never answers in time',
  'webhook-wrong-secret': 'the webhook handler verifies with the wrong secret and rejects every delivery with 400',
  'ignore-upgrade': 'deliveries are acknowledged but the plan never changes',
  'wrong-price': 'the upgrade opens Checkout for the wrong price',
  'checkout-500': 'the upgrade button fails on the server',
  'upgrade-hang': 'the upgrade button never answers (held until the app closes or upgradeHoldMs, default 60 s, passes)',
  'drop-metadata': 'the upgrade opens Checkout without subscription_data.metadata, so the subscription is unlabelled',
  'ignore-past-due': 'a failed renewal payment is acknowledged but the account keeps showing its plan as paid up',
} as const;

export type FaultName = keyof typeof FAULTS;

export class UnknownFault extends Error {
  override readonly name = 'UnknownFault';
}

export function parseFault(value: string | null | undefined, source = 'DEMO_APP_FAULT'): FaultName | null {
  if (value === undefined || value === null || value === '' || value === 'none') return null;
  if (Object.hasOwn(FAULTS, value)) return value as FaultName;
  throw new UnknownFault(`${source} '${value}' is not a fault; valid faults: ${Object.keys(FAULTS).join(', ')} (or none)`);
}
