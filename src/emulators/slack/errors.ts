/**
 * A Web API refusal in Slack's shape: HTTP 200 and `{ ok: false, error, … }`. Slack explains some
 * refusals (`invalid_blocks`, `invalid_arguments`) in `response_metadata.messages`, each line
 * starting `[ERROR] `; `errors` carries the same lines without the prefix where Slack sends it.
 */
export class SlackApiError extends Error {
  readonly error: string;
  readonly extra: Record<string, unknown>;

  constructor(error: string, extra: Record<string, unknown> = {}) {
    super(error);
    this.name = 'SlackApiError';
    this.error = error;
    this.extra = extra;
  }

  toJSON(): Record<string, unknown> {
    return { ok: false, error: this.error, ...this.extra };
  }
}

/** `invalid_arguments` naming what is wrong, as Slack does for a missing or malformed argument. */
export const invalidArguments = (...messages: string[]): SlackApiError =>
  new SlackApiError('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });

/** An error whose lines Slack also sends as `errors` (the Block Kit validation errors). */
export const withErrors = (error: string, errors: string[]): SlackApiError =>
  new SlackApiError(error, { errors, response_metadata: { messages: errors.map((m) => `[ERROR] ${m}`) } });
