/**
 * A Stripe API that answers something that is not a Stripe object — a proxy's `{}`, an HTML page
 * with 200, a mock that knows only some routes — must fail as what it is: Stripe's API answering
 * wrongly (stage stripe-api), naming the route and what came back, not as a TypeError deep in
 * the journey. This HttpClient checks every 2xx answer: a JSON object with an `object` field.
 */
import Stripe from 'stripe';

type Inner = ReturnType<typeof Stripe.createNodeHttpClient>;

/** What came back instead of a Stripe object, carried to `stripeCall` (src/stripe/assertions.ts). */
export class NotAStripeAnswer extends Error {
  override readonly name = 'NotAStripeAnswer';
  constructor(
    readonly route: string,
    readonly status: number,
    readonly answer: string,
  ) {
    super(`answered ${route} with ${answer} (HTTP ${status}), which is not a Stripe object`);
  }
}

const isStripeObject = (json: unknown) =>
  typeof json === 'object' && json !== null && !Array.isArray(json) && typeof (json as { object?: unknown }).object === 'string';

/** The start of an answer, as a message shows it. */
function snippet(json: unknown): string {
  const text = JSON.stringify(json) ?? String(json);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

export function checkingAnswers(inner: Inner): Inner {
  class AnswerCheckingClient extends Stripe.HttpClient {
    override getClientName(): string {
      return inner.getClientName();
    }
    override async makeRequest(...args: Parameters<Inner['makeRequest']>): ReturnType<Inner['makeRequest']> {
      const [, , path, method] = args;
      const res = await inner.makeRequest(...args);
      const status = res.getStatusCode();
      if (status < 200 || status >= 300) return res;
      const toJSON = res.toJSON.bind(res);
      res.toJSON = async () => {
        let json: unknown;
        try {
          json = await toJSON();
        } catch {
          const type = String(res.getHeaders()['content-type'] ?? 'no content-type');
          throw new NotAStripeAnswer(`${method} ${String(path).split('?')[0]}`, status, `a body that is not JSON (${type})`);
        }
        if (!isStripeObject(json)) throw new NotAStripeAnswer(`${method} ${String(path).split('?')[0]}`, status, snippet(json));
        return json;
      };
      return res;
    }
  }
  return new AnswerCheckingClient() as unknown as Inner;
}
