/**
 * Block Kit validation as `chat.postMessage` and `chat.update` apply it: the documented limits,
 * reported in Slack's words, each line ending with a JSON pointer to the offending value
 * (`must be less than 3001 characters [json-pointer:/blocks/0/text/text]`). Slack reports every
 * problem it finds, so this collects them all rather than stopping at the first.
 */
import { SlackApiError, withErrors } from './errors.ts';

export type Block = Record<string, unknown> & { type: string };

/** The block types a message may carry. */
export const MESSAGE_BLOCK_TYPES = [
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
] as const;

export const LIMITS = {
  blocks: 50,
  blockId: 255,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  buttonValue: 2000,
  actionId: 255,
  imageUrl: 3000,
  altText: 2000,
  markdownText: 12000,
} as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly errors: string[] = [];

  add(message: string, pointer: string): void {
    this.errors.push(`${message} [json-pointer:${pointer}]`);
  }

  /** A string no longer than `max` (and not empty, unless `allowEmpty`). */
  string(value: unknown, max: number, pointer: string, options: { required?: boolean; allowEmpty?: boolean } = {}): void {
    if (value === undefined) {
      if (options.required) this.add('missing required field', pointer);
      return;
    }
    if (typeof value !== 'string') {
      this.add('must be a string', pointer);
      return;
    }
    if (value.length === 0 && !options.allowEmpty) {
      this.add('must be more than 0 characters', pointer);
      return;
    }
    if (value.length > max) this.add(`must be less than ${max + 1} characters`, pointer);
  }

  /** A text object `{type: 'plain_text' | 'mrkdwn', text}`; `plainOnly` where Slack takes plain_text only. */
  text(value: unknown, max: number, pointer: string, options: { required?: boolean; plainOnly?: boolean } = {}): void {
    if (value === undefined) {
      if (options.required) this.add('missing required field', pointer);
      return;
    }
    const types = options.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (!isObject(value) || !types.includes(value.type as string)) {
      this.add('failed to match all allowed schemas', pointer);
      return;
    }
    this.string(value.text, max, `${pointer}/text`, { required: true });
  }

  array(value: unknown, max: number, pointer: string, options: { required?: boolean } = {}): unknown[] {
    if (value === undefined) {
      if (options.required) this.add('missing required field', pointer);
      return [];
    }
    if (!Array.isArray(value)) {
      this.add('must be an array', pointer);
      return [];
    }
    if (value.length === 0) this.add('must provide at least 1 items', pointer);
    if (value.length > max) this.add(`no more than ${max} items allowed`, pointer);
    return value;
  }

  button(el: Json, pointer: string): void {
    this.text(el.text, LIMITS.buttonText, `${pointer}/text`, { required: true, plainOnly: true });
    this.string(el.url, LIMITS.buttonUrl, `${pointer}/url`);
    this.string(el.value, LIMITS.buttonValue, `${pointer}/value`);
    this.string(el.action_id, LIMITS.actionId, `${pointer}/action_id`);
    if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') this.add('must be a valid enum value', `${pointer}/style`);
  }

  image(el: Json, pointer: string): void {
    if (el.image_url === undefined && el.slack_file === undefined) this.add('must provide either image_url or slack_file', pointer);
    this.string(el.image_url, LIMITS.imageUrl, `${pointer}/image_url`);
    this.string(el.alt_text, LIMITS.altText, `${pointer}/alt_text`, { required: true });
  }

  /** An interactive element (accessory, actions element): buttons are checked in depth, the rest for a type. */
  element(el: unknown, pointer: string): void {
    if (!isObject(el) || typeof el.type !== 'string') {
      this.add('failed to match all allowed schemas', pointer);
      return;
    }
    if (el.type === 'button') this.button(el, pointer);
    else if (el.type === 'image') this.image(el, pointer);
    this.string(el.action_id, LIMITS.actionId, `${pointer}/action_id`);
  }

  block(block: unknown, pointer: string): void {
    if (!isObject(block)) {
      this.add('must be an object', pointer);
      return;
    }
    if (typeof block.type !== 'string') {
      this.add('missing required field', `${pointer}/type`);
      return;
    }
    if (!(MESSAGE_BLOCK_TYPES as readonly string[]).includes(block.type)) {
      this.add(`unsupported type: ${block.type}`, `${pointer}/type`);
      return;
    }
    this.string(block.block_id, LIMITS.blockId, `${pointer}/block_id`);
    switch (block.type) {
      case 'header':
        this.text(block.text, LIMITS.headerText, `${pointer}/text`, { required: true, plainOnly: true });
        break;
      case 'section': {
        if (block.text === undefined && block.fields === undefined) this.add('must define either `text` or `fields`', `${pointer}/type`);
        this.text(block.text, LIMITS.sectionText, `${pointer}/text`);
        const fields = this.array(block.fields, LIMITS.sectionFields, `${pointer}/fields`);
        for (const [i, f] of fields.entries()) this.text(f, LIMITS.fieldText, `${pointer}/fields/${i}`, { required: true });
        if (block.accessory !== undefined) this.element(block.accessory, `${pointer}/accessory`);
        break;
      }
      case 'context': {
        const elements = this.array(block.elements, LIMITS.contextElements, `${pointer}/elements`, { required: true });
        for (const [i, el] of elements.entries()) {
          const at = `${pointer}/elements/${i}`;
          if (isObject(el) && el.type === 'image') this.image(el, at);
          else this.text(el, LIMITS.sectionText, at, { required: true });
        }
        break;
      }
      case 'actions': {
        const elements = this.array(block.elements, LIMITS.actionsElements, `${pointer}/elements`, { required: true });
        for (const [i, el] of elements.entries()) this.element(el, `${pointer}/elements/${i}`);
        break;
      }
      case 'image':
        this.image(block, pointer);
        this.text(block.title, LIMITS.altText, `${pointer}/title`, { plainOnly: true });
        break;
      case 'markdown':
        this.string(block.text, LIMITS.markdownText, `${pointer}/text`, { required: true });
        break;
      case 'rich_text':
        this.array(block.elements, Number.POSITIVE_INFINITY, `${pointer}/elements`, { required: true });
        break;
      default:
        // divider has nothing to check; file, input, table and video are accepted as given.
        break;
    }
  }
}

/**
 * The blocks of a request, parsed (they arrive as a JSON string in form bodies, an array in JSON
 * bodies) and validated; `null` when none were sent. Throws `invalid_blocks_format` when they are
 * not a JSON array and `invalid_blocks` with the reasons when they break Block Kit's rules.
 */
export function parseBlocks(raw: unknown): Block[] | null {
  if (raw === undefined || raw === null || raw === '') return null;
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new SlackApiError('invalid_blocks_format');
    }
  }
  if (!Array.isArray(value)) throw new SlackApiError('invalid_blocks_format');
  const check = new Checker();
  if (value.length > LIMITS.blocks) check.add(`no more than ${LIMITS.blocks} items allowed`, '/blocks');
  for (const [i, b] of value.entries()) check.block(b, `/blocks/${i}`);
  if (check.errors.length > 0) throw withErrors('invalid_blocks', check.errors);
  return value as Block[];
}
