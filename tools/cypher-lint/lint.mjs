#!/usr/bin/env node
// Lint a batch of Cypher statements with Neo4j's own checker (@neo4j-cypher/language-support),
// offline, in one warm Node process.
//
// stdin (JSON):
//   {
//     "schema": {
//       "labels": [...], "relationshipTypes": [...], "propertyKeys": [...],
//       "graphSchema": [{"from": "Person", "to": "Organization", "relType": "HOLDS_ROLE"}, ...],  // optional
//       "procedures": {"name": Neo4jProcedure, ...},   // optional, added to the bundled signatures
//       "functions": {"name": Neo4jFunction, ...}      // optional, added to the bundled signatures
//     },
//     "options": {
//       "bundledSignatures": true,        // start from the package's Neo4j + GDS + APOC dump (default true)
//       "excludeNamespaces": ["apoc"]     // drop procedures/functions of plugins the server does not have
//     },
//     "queries": [{"id": "...", "query": "...", "dialect": "portable" | "neo4j" | "falkordb"}]
//   }
//
// stdout (JSON): one entry per query, in input order:
//   [{"id", "dialect", "skipped", "ms",
//     "errors":   [{"message", "line", "column", "endLine", "endColumn", "severity"}],
//     "warnings": [...same shape...]}]
// Lines and columns are 1-based positions in the query text as given (comments included).
// Queries of dialect "falkordb" are not Neo4j Cypher: they are returned with "skipped": true.
//
// Exit status: 0 no errors, 1 at least one query has an error, 2 bad input or linter failure.
//
// Policy on top of the linter's own severities:
// * "Parameter $x is not defined." is dropped: parameters are supplied by the driver at run time.
// * An unknown procedure or function is always an error (a misspelt gds.* call must fail CI).

// The checker takes about a second to load: it is imported only once the input is known to be valid.
let checker;
async function loadChecker() {
  checker ??= await import('@neo4j-cypher/language-support');
  return checker;
}

const VERSIONS = ['CYPHER 5', 'CYPHER 25'];
const DIALECTS = new Set(['portable', 'neo4j', 'falkordb']);
const SEVERITY = { 1: 'Error', 2: 'Warning', 3: 'Information', 4: 'Hint' };
const UNKNOWN_CALLABLE =
  /^(Procedure|Function) \S+ is not present in the database|is a (function|procedure), not a (procedure|function)/;

class BadInput extends Error {}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function stringList(value, where) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new BadInput(`${where} must be a list of strings`);
  }
  return value;
}

function callableRegistry(value, where) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BadInput(`${where} must be an object keyed by procedure/function name`);
  }
  for (const [name, sig] of Object.entries(value)) {
    if (!sig || typeof sig !== 'object' || sig.name !== name || typeof sig.signature !== 'string') {
      throw new BadInput(`${where}.${name} must be a signature object with "name": "${name}" and a "signature" string`);
    }
    if (!Array.isArray(sig.argumentDescription)) {
      throw new BadInput(`${where}.${name}.argumentDescription must be a list`);
    }
  }
  return value;
}

function scoped(bundled, extra, exclude, isBuiltIn) {
  const out = {};
  for (const version of VERSIONS) {
    const registry = {};
    for (const [name, sig] of Object.entries(bundled?.[version] ?? {})) {
      if (!isBuiltIn(sig) && exclude.some((ns) => name.startsWith(ns + '.'))) continue;
      registry[name] = sig;
    }
    Object.assign(registry, extra);
    out[version] = registry;
  }
  return out;
}

function buildSchema(input) {
  const schema = input.schema ?? {};
  const options = input.options ?? {};
  if (typeof schema !== 'object' || Array.isArray(schema)) throw new BadInput('"schema" must be an object');
  if (typeof options !== 'object' || Array.isArray(options)) throw new BadInput('"options" must be an object');
  const bundledSignatures = options.bundledSignatures ?? true;
  if (typeof bundledSignatures !== 'boolean') throw new BadInput('"options.bundledSignatures" must be true or false');
  const exclude = stringList(options.excludeNamespaces, '"options.excludeNamespaces"');
  const base = bundledSignatures ? checker.testData.mockSchema : {};
  const graphSchema = schema.graphSchema;
  if (graphSchema !== undefined && graphSchema !== null) {
    if (!Array.isArray(graphSchema) || graphSchema.some(
      (e) => !e || typeof e.from !== 'string' || typeof e.to !== 'string' || typeof e.relType !== 'string')) {
      throw new BadInput('"schema.graphSchema" must be a list of {"from", "to", "relType"} strings');
    }
  }
  return {
    labels: stringList(schema.labels, '"schema.labels"'),
    relationshipTypes: stringList(schema.relationshipTypes, '"schema.relationshipTypes"'),
    propertyKeys: stringList(schema.propertyKeys, '"schema.propertyKeys"'),
    ...(graphSchema ? { graphSchema } : {}),
    procedures: scoped(base.procedures, callableRegistry(schema.procedures, '"schema.procedures"'),
      exclude, () => false),
    functions: scoped(base.functions, callableRegistry(schema.functions, '"schema.functions"'),
      exclude, (f) => Boolean(f.isBuiltIn)),
    defaultLanguage: 'CYPHER 5',
  };
}

function validateQueries(queries) {
  if (!Array.isArray(queries)) throw new BadInput('"queries" must be a list');
  const seen = new Set();
  queries.forEach((q, i) => {
    const where = `queries[${i}]`;
    if (!q || typeof q !== 'object') throw new BadInput(`${where} must be an object`);
    if (typeof q.id !== 'string' || q.id === '') throw new BadInput(`${where}.id must be a non-empty string`);
    if (seen.has(q.id)) throw new BadInput(`${where}.id "${q.id}" appears twice`);
    seen.add(q.id);
    if (typeof q.query !== 'string') throw new BadInput(`${where} ("${q.id}"): "query" must be a string`);
    const dialect = q.dialect ?? 'portable';
    if (!DIALECTS.has(dialect)) {
      throw new BadInput(`${where} ("${q.id}"): dialect "${dialect}" is not one of ${[...DIALECTS].join(', ')}`);
    }
  });
}

function toEntry(d, severity) {
  return {
    message: d.message,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    endLine: d.range.end.line + 1,
    endColumn: d.range.end.character + 1,
    severity,
  };
}

function lintOne(q, schema) {
  const dialect = q.dialect ?? 'portable';
  const result = { id: q.id, dialect, skipped: false, ms: 0, errors: [], warnings: [] };
  if (dialect === 'falkordb') {
    result.skipped = true;
    return result;
  }
  if (q.query.trim() === '') {
    result.errors.push({ message: 'Empty query', line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'Error' });
    return result;
  }
  const start = performance.now();
  let diagnostics;
  try {
    ({ diagnostics } = checker.lintCypherQuery(q.query, schema, { consoleCommandsEnabled: false }));
  } catch (e) {
    // one query the checker cannot handle must not hide the results of the others
    result.errors.push({
      message: `the linter itself failed on this query: ${e?.message ?? e}`,
      line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'Error',
    });
    return result;
  } finally {
    result.ms = Math.round(performance.now() - start);
  }
  for (const d of diagnostics) {
    if (!checker.isNotParamError(d)) continue;
    let severity = SEVERITY[d.severity] ?? 'Error';
    if (UNKNOWN_CALLABLE.test(d.message)) severity = 'Error';
    (severity === 'Error' ? result.errors : result.warnings).push(toEntry(d, severity));
  }
  return result;
}

async function main() {
  let input;
  try {
    const text = await readStdin();
    try {
      input = JSON.parse(text);
    } catch (e) {
      throw new BadInput(`stdin is not valid JSON (${e.message})`);
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw new BadInput('stdin must be a JSON object with "schema" and "queries"');
    }
    validateQueries(input.queries);
    await loadChecker();
    const schema = buildSchema(input);
    const results = input.queries.map((q) => lintOne(q, schema));
    process.stdout.write(JSON.stringify(results) + '\n');
    return results.some((r) => r.errors.length > 0) ? 1 : 0;
  } catch (e) {
    if (e instanceof BadInput) {
      process.stderr.write(`cypher-lint: bad input: ${e.message}\n`);
    } else {
      process.stderr.write(`cypher-lint: linter failed: ${e?.stack ?? e}\n`);
    }
    return 2;
  }
}

process.exitCode = await main();
