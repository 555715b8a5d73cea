/**
 * docs/protocol.md against packages/core/src/socket/protocol.ts: every event name, every error
 * code, and the fields of every payload and ack. The types are read with the TypeScript
 * compiler, so a field added, renamed or removed on either side fails here, and whoever changes
 * the protocol updates its description in the same commit.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOMLOG_ERROR_CODES, ROOMLOG_EVENTS } from '../src/index';

const protocolFile = fileURLToPath(new URL('../src/socket/protocol.ts', import.meta.url));
const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** The types the document describes beyond protocol.ts's own exports. */
const IMPORTED = ['StreamHead'];

let cached: Map<string, string[]> | null = null;

/** Field names (or string literal values) of every exported type of protocol.ts, plus {@link IMPORTED}. */
function protocolTypes(): Map<string, string[]> {
  cached ??= readProtocolTypes();
  return cached;
}

function readProtocolTypes(): Map<string, string[]> {
  const program = ts.createProgram([protocolFile], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(protocolFile)!;
  const moduleSymbol = checker.getSymbolAtLocation(source)!;
  const failed = checker.getExportsOfModule(moduleSymbol).find((symbol) => symbol.name === 'FailedAck')!;
  const failedType = checker.getDeclaredTypeOfSymbol(failed);
  const types = new Map<string, string[]>();
  const exported = new Set(checker.getExportsOfModule(moduleSymbol).map((symbol) => symbol.name));
  const describeType = (type: ts.Type): string[] => {
    // A generic's parameters stand for their defaults (DeliveredEntry<Entry = MessageEnvelope>).
    const members = (type.isUnion() ? type.types : [type]).map((member) =>
      member.flags & ts.TypeFlags.TypeParameter ? (checker.getDefaultFromTypeParameter(member) ?? member) : member,
    );
    // A union of values (SyncReason, SyncFrom): its rows are the string literals, and `number` etc. by name.
    const primitive = ts.TypeFlags.StringLiteral | ts.TypeFlags.Number | ts.TypeFlags.String | ts.TypeFlags.Boolean;
    if (members.every((member) => (member.flags & primitive) !== 0)) {
      return members.map((member) => (member.isStringLiteral() ? member.value : checker.typeToString(member)));
    }
    // A union of named shapes (DeliveredEntry): its rows are the shapes' names.
    const named = members.map((member) => (member.aliasSymbol ?? member.getSymbol())?.name);
    if (members.length > 1 && named.every((name) => name !== undefined && exported.has(name))) return named as string[];
    // An ack: its success forms' fields (the failure form is described once, as FailedAck).
    const shapes = members.filter((member) => member !== failedType || members.length === 1);
    return [...new Set(shapes.flatMap((member) => checker.getPropertiesOfType(member).map((property) => property.name)))];
  };
  const exportsOf = checker.getExportsOfModule(moduleSymbol);
  for (const symbol of exportsOf) {
    if (symbol.name === 'ROOMLOG_EVENTS') continue;
    types.set(symbol.name, describeType(checker.getDeclaredTypeOfSymbol(symbol)));
  }
  const storeFile = program.getSourceFiles().find((file) => file.fileName.endsWith('/store.ts'))!;
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(storeFile)!)) {
    if (IMPORTED.includes(symbol.name)) types.set(symbol.name, describeType(checker.getDeclaredTypeOfSymbol(symbol)));
  }
  return types;
}

/** The first-column names of the table after `<!-- type: Name -->` in the document. */
function documentedFields(name: string): string[] | null {
  const lines = doc.split('\n');
  const start = lines.indexOf(`<!-- type: ${name} -->`);
  if (start === -1) return null;
  const rows = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' && rows.length === 0) continue;
    if (!line.startsWith('|')) break;
    rows.push(line);
  }
  return rows.slice(2).map((row) => {
    const cell = row.split('|')[1]!.trim();
    return (
      /^`([^`]+)`/
        .exec(cell)?.[1]
        ?.replace(/\?$/, '')
        .replace(/^'(.*)'$/, '$1') ?? cell
    );
  });
}

describe('docs/protocol.md', () => {
  it('names every event of ROOMLOG_EVENTS, in a heading of its own', () => {
    for (const event of Object.values(ROOMLOG_EVENTS)) expect(doc, event).toMatch(new RegExp(`^#+ \`${event}\``, 'm'));
  });

  it('describes every error code, and no other', () => {
    expect(documentedFields('RoomlogErrorCode')).toEqual([...ROOMLOG_ERROR_CODES]);
  });

  it('lists the fields of every payload and ack protocol.ts defines, exactly', () => {
    const types = protocolTypes();
    expect(types.size).toBeGreaterThan(20);
    for (const [name, fields] of types) {
      const documented = documentedFields(name);
      expect(documented, `docs/protocol.md has no <!-- type: ${name} --> table`).not.toBeNull();
      expect([...documented!].sort(), `fields of ${name}`).toEqual([...fields].sort());
    }
  });

  it('documents no type protocol.ts does not define', () => {
    const types = protocolTypes();
    const documented = [...doc.matchAll(/<!-- type: (\w+) -->/g)].map((match) => match[1]!);
    expect(documented.filter((name) => !types.has(name) && name !== 'RoomlogErrorCode')).toEqual([]);
  });
});
