/**
 * Reads an endpoint's documented parameters from stripe-node's own type declarations
 * (node_modules/stripe, its `*Params` interfaces) with the TypeScript compiler API, and turns
 * each parameter's declared type into a small plain description that values can be derived from.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import ts from 'typescript';

/** What a parameter's declared type allows, reduced to what deriving a value needs. */
export type Shape =
  | { kind: 'string' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  /** A decimal string (stripe-node's `Decimal`), e.g. `unit_amount_decimal`. */
  | { kind: 'decimal' }
  /** A union of literals; `open` when the SDK adds `OtherString` (Stripe may add values). */
  | { kind: 'enum'; values: (string | number | boolean)[]; open: boolean }
  | { kind: 'array'; element: Shape }
  /** A hash with named members, and/or free-form keys (`metadata`). */
  | { kind: 'object'; members: Member[]; freeForm?: Shape }
  /** Anything else with several alternatives, e.g. `'now' | number`, in declaration order. */
  | { kind: 'union'; options: Shape[] }
  /** A type this reader does not describe (kept so the probe can say so), or a cycle. */
  | { kind: 'opaque'; text: string };

export interface Member {
  name: string;
  required: boolean;
  shape: Shape;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Never written to disk: a module naming the params types, so the checker resolves them as user code would. */
const VIRTUAL = path.join(ROOT, 'scripts', 'emulator-probe', '__params-types__.ts');
/** Nested hashes deeper than this are not described (no Stripe parameter needs it to be filled). */
const MAX_DEPTH = 8;

/** The installed stripe-node's version: its types are what "documented" means here. */
export const sdkVersion: string = Stripe.PACKAGE_VERSION;

/**
 * The top-level members of each named params type, e.g. `Stripe.Checkout.SessionCreateParams`,
 * in declaration order (inherited pagination members included). Throws, naming the type, when a
 * name does not resolve in the installed stripe-node.
 */
export function readParamsTypes(typeNames: readonly string[]): Map<string, Member[]> {
  const source = [`import type Stripe from 'stripe';`, ...typeNames.map((name, i) => `export type P${i} = ${name};`)].join('\n');
  const { program, file, problems } = compile(source);
  if (problems.length > 0) {
    throw new Error(`stripe-node ${sdkVersion}'s types do not resolve: ${problems.join('; ')}; fix the type name in the endpoint table`);
  }
  const checker = program.getTypeChecker();
  const out = new Map<string, Member[]>();
  file.statements.filter(ts.isTypeAliasDeclaration).forEach((alias, i) => {
    out.set(typeNames[i]!, membersOf(checker, checker.getTypeFromTypeNode(alias.type), 0, new Set()));
  });
  return out;
}

/**
 * Type-checks request parameters against their params types, as `const p: Stripe.X = {…}` in user
 * code would be: the problems found, each naming the request's label. A self-check of the derived
 * values (stripe-node's enums are open, so this checks shapes and required members, not every value).
 */
export function typeProblems(requests: readonly { label: string; typeName: string; params: unknown }[]): string[] {
  const lines = [`import type Stripe from 'stripe';`, ...requests.map((r, i) => `export const r${i}: ${r.typeName} = ${JSON.stringify(r.params)};`)];
  return compile(lines.join('\n')).problems.map((p) => {
    const index = Number(/^line (\d+):/.exec(p)?.[1] ?? 0) - 2;
    return `${requests[index]?.label ?? '?'}: ${p.replace(/^line \d+: /, '')}`;
  });
}

function compile(source: string): { program: ts.Program; file: ts.SourceFile; problems: string[] } {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    path.resolve(fileName) === VIRTUAL ? ts.createSourceFile(fileName, source, languageVersion, true) : getSourceFile(fileName, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => path.resolve(fileName) === VIRTUAL || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => (path.resolve(fileName) === VIRTUAL ? source : readFile(fileName));
  const program = ts.createProgram([VIRTUAL], options, host);
  const file = program.getSourceFile(VIRTUAL)!;
  const problems = program.getSemanticDiagnostics(file).map((d) => {
    const line = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line + 1;
    return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
  return { program, file, problems };
}

function membersOf(checker: ts.TypeChecker, type: ts.Type, depth: number, seen: Set<ts.Type>): Member[] {
  return checker.getPropertiesOfType(type).map((symbol) => ({
    name: symbol.name,
    required: (symbol.flags & ts.SymbolFlags.Optional) === 0,
    shape: describe(checker, checker.getTypeOfSymbol(symbol), depth + 1, seen),
  }));
}

const isStringish = (t: ts.Type) => (t.flags & ts.TypeFlags.String) !== 0;
/** stripe-node's `OtherString` (`string & Record<never, never>`), which opens an enum. */
const isOtherString = (t: ts.Type) => t.isIntersection() && t.types.some(isStringish);

function describe(checker: ts.TypeChecker, type: ts.Type, depth: number, seen: Set<ts.Type>): Shape {
  const text = () => checker.typeToString(type);
  if (type.aliasSymbol?.name === 'Decimal' || type.getSymbol()?.name === 'Decimal') return { kind: 'decimal' };
  if (type.isUnion()) {
    // `Emptyable<T>` is `null | '' | T`: '' unsets, so it is no value to probe with.
    const options = type.types.filter((t) => (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) === 0 && !(t.isStringLiteral() && t.value === ''));
    const open = options.some(isOtherString);
    const rest = options.filter((t) => !isOtherString(t));
    const booleans = rest.filter((t) => (t.flags & ts.TypeFlags.BooleanLiteral) !== 0);
    const literals = rest.filter((t) => t.isLiteral());
    if (booleans.length === 2 && booleans.length === rest.length) return { kind: 'boolean' };
    if (literals.length > 0 && literals.length === rest.length) {
      return { kind: 'enum', values: literals.map((t) => (t as ts.LiteralType).value as string | number), open };
    }
    if (rest.length === 0 && open) return { kind: 'string' };
    // Literals stay together as one enum, placed where the first of them is declared.
    const shapes: Shape[] = [];
    for (const t of rest) {
      if ((t.flags & ts.TypeFlags.BooleanLiteral) !== 0) {
        if (!shapes.some((s) => s.kind === 'boolean')) shapes.push({ kind: 'boolean' });
      } else if (t.isLiteral()) {
        const value = (t as ts.LiteralType).value as string | number;
        const group = shapes.find((s) => s.kind === 'enum');
        if (group?.kind === 'enum') group.values.push(value);
        else shapes.push({ kind: 'enum', values: [value], open });
      } else {
        shapes.push(describe(checker, t, depth, seen));
      }
    }
    // `OtherString` opens the enum it is declared with rather than allowing any string.
    if (open && !shapes.some((s) => s.kind === 'enum')) shapes.push({ kind: 'string' });
    return shapes.length === 1 ? shapes[0]! : { kind: 'union', options: shapes };
  }
  if (isStringish(type) || isOtherString(type)) return { kind: 'string' };
  if (type.flags & ts.TypeFlags.Number) return { kind: 'number' };
  if (type.flags & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral)) return { kind: 'boolean' };
  if (type.isStringLiteral() || type.isNumberLiteral()) return { kind: 'enum', values: [type.value], open: false };
  if (checker.isArrayType(type)) {
    const [element] = checker.getTypeArguments(type as ts.TypeReference);
    return { kind: 'array', element: element ? describe(checker, element, depth, seen) : { kind: 'opaque', text: text() } };
  }
  if (type.flags & ts.TypeFlags.Object) {
    if (seen.has(type) || depth > MAX_DEPTH) return { kind: 'opaque', text: text() };
    const inner = new Set(seen).add(type);
    const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
    const shape: Shape = { kind: 'object', members: membersOf(checker, type, depth, inner) };
    if (index) shape.freeForm = describe(checker, index.type, depth + 1, inner);
    return shape;
  }
  return { kind: 'opaque', text: text() };
}
