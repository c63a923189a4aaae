// Stripe Search query language (GET /v1/<resource>/search?query=…) for the emulator:
// a single-pass parser that compiles the query into a predicate over stored JSON objects.
//
// Grammar (whitespace = space, tab, CR, LF):
//   query  := ws* clause (sep clause)* ws*
//   sep    := ws+ | ws+ 'AND' ws+ | ws+ 'OR' ws+       (AND and OR may not be mixed)
//   clause := '-'? field op value
//   field  := ident | ident '[' quoted ']'              (the bracket form only on metadata fields)
//   op     := ':' | '~' | '>' | '<' | '>=' | '<='
//   value  := quoted | integer | 'null'

export type SearchFieldKind = 'string' | 'number' | 'metadata';
/** Allowed fields of one resource: name -> kind. The value is read as obj[name]. */
export type SearchFields = Record<string, SearchFieldKind>;

export class SearchQueryError extends Error {
  /** 0-based character (UTF-16 code unit) offset in the query where the problem is. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'SearchQueryError';
    this.position = position;
  }
}

type SearchObject = Record<string, unknown>;
type Predicate = (obj: SearchObject) => boolean;
type Operator = ':' | '~' | '>' | '<' | '>=' | '<=';
type Connective = 'AND' | 'OR';

/** Stripe requires substring values of at least this many characters. */
export const MIN_SUBSTRING_LENGTH = 3;

/** Parses once; the returned predicate is applied to each stored object. Throws SearchQueryError. */
export function compileSearchQuery(query: string, fields: SearchFields): (obj: Record<string, unknown>) => boolean {
  return new Parser(query, fields).parse();
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
}

function isIdentPart(c: string | undefined): boolean {
  return isIdentStart(c) || (c !== undefined && ((c >= '0' && c <= '9') || c === '.'));
}

const INTEGER = /^-?\d+$/;

class Parser {
  private pos = 0;

  constructor(
    private readonly src: string,
    private readonly fields: SearchFields,
  ) {}

  parse(): Predicate {
    this.skipSpace();
    if (this.atEnd()) this.fail('the query is empty', this.pos);

    const clauses: Predicate[] = [this.parseClause()];
    let joinedBy: Connective | undefined;

    for (;;) {
      const afterClause = this.pos;
      this.skipSpace();
      if (this.atEnd()) break;
      if (this.pos === afterClause) {
        this.fail(`unexpected '${this.src[this.pos]}' after a clause; separate clauses with a space, AND or OR`, this.pos);
      }

      const connectivePos = this.pos;
      let connective: Connective = 'AND'; // whitespace alone means AND
      const keyword = this.peekKeyword();
      if (keyword !== undefined) {
        connective = keyword;
        this.pos += keyword.length;
        this.skipSpace();
        if (this.atEnd()) this.fail(`expected a clause after '${keyword}'`, this.pos);
      }
      if (joinedBy !== undefined && joinedBy !== connective) {
        this.fail('You cannot combine AND and OR in the same query', connectivePos);
      }
      joinedBy = connective;
      clauses.push(this.parseClause());
    }

    return combine(clauses, joinedBy ?? 'AND');
  }

  private parseClause(): Predicate {
    const src = this.src;
    let negate = false;
    if (src[this.pos] === '-') {
      negate = true;
      this.pos++;
    }

    const fieldPos = this.pos;
    const name = this.readIdent();
    if (name === '') {
      if (this.atEnd() || isSpace(src[this.pos])) {
        this.fail(negate ? `expected a field name after '-'` : 'expected a field name', this.pos);
      }
      this.fail(`expected a field name but found '${src[this.pos]}'`, this.pos);
    }
    const kind = Object.hasOwn(this.fields, name) ? this.fields[name] : undefined;
    if (kind === undefined) {
      // A stray keyword reads as an identifier: say what is really wrong.
      const standsAlone = this.atEnd() || isSpace(src[this.pos]);
      if (standsAlone && (name === 'AND' || name === 'OR')) {
        this.fail(`expected a clause but found '${name}'`, fieldPos);
      }
      if (standsAlone && (name.toUpperCase() === 'AND' || name.toUpperCase() === 'OR')) {
        this.fail(`'${name}' is not a keyword; AND and OR must be uppercase`, fieldPos);
      }
      const supported = Object.keys(this.fields).sort().join(', ');
      throw new SearchQueryError(`Field '${name}' is not supported for this search (supported: ${supported})`, fieldPos);
    }

    let metadataKey: string | undefined;
    if (kind === 'metadata') {
      if (src[this.pos] !== '[') this.fail(`expected ['key'] after '${name}'`, this.pos);
      this.pos++;
      if (src[this.pos] !== "'" && src[this.pos] !== '"') {
        this.fail(`expected a quoted key after '${name}['`, this.pos);
      }
      metadataKey = this.readQuoted();
      if (src[this.pos] !== ']') this.fail(`expected ']' after the key of '${name}'`, this.pos);
      this.pos++;
    }
    const label = src.slice(fieldPos, this.pos);

    const opPos = this.pos;
    const op = this.readOperator();
    if (op === undefined) {
      this.fail(`expected an operator (:, ~, >, <, >=, <=) after '${label}'`, this.pos);
    }
    if (kind === 'number' && op === '~') {
      this.fail(`'~' (substring) is not supported on number field '${name}'`, opPos);
    }
    if (kind !== 'number' && op !== ':' && op !== '~') {
      this.fail(`'${op}' is only supported on number fields, and '${label}' is not one`, opPos);
    }

    const valuePos = this.pos;
    const after = `${label}${op}`;
    if (this.atEnd() || isSpace(src[this.pos])) this.fail(`expected a value after '${after}'`, valuePos);

    let predicate: Predicate;
    const quoted = src[this.pos] === "'" || src[this.pos] === '"';
    const value = quoted ? this.readQuoted() : this.readWord();

    if (kind === 'number') {
      if (quoted || !INTEGER.test(value)) {
        const found = quoted ? 'a quoted string' : `'${value}'`;
        this.fail(`expected a number after '${after}' but found ${found}`, valuePos);
      }
      predicate = numberPredicate(name, op, Number(value));
    } else if (!quoted && kind === 'metadata' && value === 'null') {
      if (op !== ':') this.fail(`null can only be used with ':' (as in '${label}:null')`, opPos);
      predicate = metadataAbsentPredicate(name, metadataKey as string);
    } else {
      if (!quoted) {
        this.fail(`expected a quoted string after '${after}' but found '${value}'; quote it with ' or "`, valuePos);
      }
      if (op === '~' && [...value].length < MIN_SUBSTRING_LENGTH) {
        this.fail(`a substring search ('~') needs at least ${MIN_SUBSTRING_LENGTH} characters`, valuePos);
      }
      predicate = kind === 'metadata' ? metadataStringPredicate(name, metadataKey as string, op === '~', value) : stringPredicate(name, op === '~', value);
    }

    if (!negate) return predicate;
    const positive = predicate;
    return (obj) => !positive(obj);
  }

  /** Reads a quoted string at this.pos; a backslash escapes a quote or a backslash. */
  private readQuoted(): string {
    const src = this.src;
    const quote = src[this.pos];
    const openPos = this.pos;
    const parts: string[] = [];
    let segmentStart = ++this.pos;
    for (;;) {
      if (this.pos >= src.length) {
        this.fail(`unterminated string: the ${quote} opened here is never closed`, openPos);
      }
      const c = src[this.pos];
      if (c === quote) {
        parts.push(src.slice(segmentStart, this.pos));
        this.pos++;
        return parts.join('');
      }
      if (c === '\\') {
        const next = src[this.pos + 1];
        if (next === undefined) {
          this.fail(`unterminated string: the ${quote} opened here is never closed`, openPos);
        }
        // Only quotes and backslashes are escapes; other backslashes stay literal (e.g. paths).
        if (next === "'" || next === '"' || next === '\\') {
          parts.push(src.slice(segmentStart, this.pos), next);
          this.pos += 2;
          segmentStart = this.pos;
          continue;
        }
      }
      this.pos++;
    }
  }

  /** An unquoted value runs to the next whitespace, so that `12abc` is reported whole. */
  private readWord(): string {
    const start = this.pos;
    while (!this.atEnd() && !isSpace(this.src[this.pos])) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private readIdent(): string {
    const start = this.pos;
    if (!isIdentStart(this.src[this.pos])) return '';
    while (isIdentPart(this.src[this.pos])) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private readOperator(): Operator | undefined {
    const c = this.src[this.pos];
    if (c === ':' || c === '~') {
      this.pos++;
      return c;
    }
    if (c === '>' || c === '<') {
      if (this.src[this.pos + 1] === '=') {
        this.pos += 2;
        return c === '>' ? '>=' : '<=';
      }
      this.pos++;
      return c;
    }
    return undefined;
  }

  /** AND / OR count as keywords only as whole words (so a field named ANDROID is not one). */
  private peekKeyword(): Connective | undefined {
    for (const keyword of ['AND', 'OR'] as const) {
      if (this.src.startsWith(keyword, this.pos) && isSpace(this.src[this.pos + keyword.length])) {
        return keyword;
      }
    }
    // A trailing keyword with nothing after it is still a keyword, reported as a missing clause.
    for (const keyword of ['AND', 'OR'] as const) {
      if (this.src.length === this.pos + keyword.length && this.src.endsWith(keyword)) return keyword;
    }
    return undefined;
  }

  private skipSpace(): void {
    while (isSpace(this.src[this.pos])) this.pos++;
  }

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  private fail(message: string, position: number): never {
    throw new SearchQueryError(`Invalid query at position ${position}: ${message}`, position);
  }
}

function combine(clauses: Predicate[], connective: Connective): Predicate {
  if (clauses.length === 1) return clauses[0] as Predicate;
  // Loops rather than nested closures: thousands of clauses must not deepen the stack.
  if (connective === 'AND') {
    return (obj) => {
      for (const clause of clauses) if (!clause(obj)) return false;
      return true;
    };
  }
  return (obj) => {
    for (const clause of clauses) if (clause(obj)) return true;
    return false;
  };
}

function stringPredicate(name: string, substring: boolean, value: string): Predicate {
  const wanted = value.toLowerCase();
  if (substring) {
    return (obj) => {
      const actual = obj[name];
      return typeof actual === 'string' && actual.toLowerCase().includes(wanted);
    };
  }
  return (obj) => {
    const actual = obj[name];
    return typeof actual === 'string' && actual.toLowerCase() === wanted;
  };
}

function numberPredicate(name: string, op: Operator, value: number): Predicate {
  const test = comparator(op, value);
  return (obj) => {
    const actual = obj[name];
    return typeof actual === 'number' && test(actual);
  };
}

function comparator(op: Operator, value: number): (actual: number) => boolean {
  switch (op) {
    case '>':
      return (actual) => actual > value;
    case '>=':
      return (actual) => actual >= value;
    case '<':
      return (actual) => actual < value;
    case '<=':
      return (actual) => actual <= value;
    default:
      return (actual) => actual === value;
  }
}

function metadataOf(obj: SearchObject, name: string): Record<string, unknown> | undefined {
  const metadata = obj[name];
  return metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : undefined;
}

function metadataValue(obj: SearchObject, name: string, key: string): unknown {
  const metadata = metadataOf(obj, name);
  // hasOwn: a key such as 'constructor' must not find Object.prototype's.
  return metadata !== undefined && Object.hasOwn(metadata, key) ? metadata[key] : undefined;
}

function metadataAbsentPredicate(name: string, key: string): Predicate {
  return (obj) => metadataValue(obj, name, key) == null;
}

function metadataStringPredicate(name: string, key: string, substring: boolean, value: string): Predicate {
  const wanted = value.toLowerCase();
  return (obj) => {
    const actual = metadataValue(obj, name, key);
    if (typeof actual !== 'string') return false;
    const lowered = actual.toLowerCase();
    return substring ? lowered.includes(wanted) : lowered === wanted;
  };
}
