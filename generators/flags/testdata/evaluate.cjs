// evaluate.cjs runs flagd's own evaluator (@openfeature/flagd-core, pinned
// in tools/npm) on generated flag files. It reads a JSON request on stdin:
//   {"files": {"<path>": "<flagd file>"}, "cases": [{"file", "flag", "type", "context"}]}
// loads every file with strict schema validation (a file flagd would reject
// fails the run), and prints one result per case:
//   {"value", "variant", "reason", "errorCode"}.
// Any warning or error the evaluator logs is a failure: flagd logs invalid
// targeting rather than throwing.
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');

const root = process.argv[2];
const req = createRequire(path.join(root, 'tools', 'npm', 'package.json'));
const { FlagdCore, MemoryStorage } = req('@openfeature/flagd-core');

const problems = [];
const logger = {
  error: (...a) => problems.push('error: ' + a.map(String).join(' ')),
  warn: (...a) => problems.push('warn: ' + a.map(String).join(' ')),
  info: () => {},
  debug: () => {},
};

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  const cores = {};
  for (const [file, content] of Object.entries(request.files)) {
    const storage = new MemoryStorage(logger);
    try {
      storage.setConfigurations(content, true);
    } catch (err) {
      problems.push(`${file}: flagd rejects the file: ${err.message}`);
      continue;
    }
    cores[file] = new FlagdCore(storage, logger);
  }
  const results = request.cases.map((c) => {
    const core = cores[c.file];
    if (!core) return { errorCode: 'FILE_NOT_LOADED' };
    const defaults = { boolean: false, string: '', number: 0, object: {} };
    const r = core.resolve(c.type, c.flag, defaults[c.type], c.context || {}, logger);
    return { value: r.value, variant: r.variant, reason: r.reason, errorCode: r.errorCode };
  });
  process.stdout.write(JSON.stringify({ problems, results }));
});
