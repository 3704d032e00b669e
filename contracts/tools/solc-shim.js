#!/usr/bin/env node
// Makes solc-js (the npm "solc" package, a WebAssembly build) answer like a native solc binary, for forge:
//   solc-shim.js --version                      -> "Version: 0.8.37+commit..." as native solc prints it
//   solc-shim.js --standard-json [options]       -> standard JSON in on stdin, standard JSON out on stdout
// Usage: forge build|test --offline --use tools/solc-shim.js
// No native solc exists offline here (none in Debian, none on npm), and forge downloads one by default.
// The solc package is found through DEEPLOY_CHAIN_TOOLS (default <repo>/.deeploy/tools/chain/node_modules).
'use strict';

const fs = require('fs');
const path = require('path');

const TOOLS = process.env.DEEPLOY_CHAIN_TOOLS ||
  path.resolve(__dirname, '..', '..', '.deeploy', 'tools', 'chain', 'node_modules');

function loadSolc() {
  const dir = path.join(TOOLS, 'solc');
  if (!fs.existsSync(path.join(dir, 'soljson.js'))) {
    process.stderr.write(`solc-shim: solc-js not found in ${dir}; run infra/infra.sh install anvil ` +
      '(or set DEEPLOY_CHAIN_TOOLS to a node_modules that holds solc)\n');
    process.exit(2);
  }
  return require(dir);
}

// Values of a repeatable option such as --include-path X (also --include-path=X).
function optionValues(args, name) {
  const values = [];
  args.forEach((arg, i) => {
    if (arg === name && i + 1 < args.length) values.push(args[i + 1]);
    else if (arg.startsWith(name + '=')) values.push(arg.slice(name.length + 1));
  });
  return values;
}

// forge normally sends every source's content, so this is only a fallback for a missing import.
function importResolver(args) {
  const roots = [...optionValues(args, '--base-path'), ...optionValues(args, '--include-path'), process.cwd()];
  return (importPath) => {
    const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.resolve(r, importPath));
    for (const file of candidates) {
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return { contents: fs.readFileSync(file, 'utf8') };
    }
    return { error: `File not found: ${importPath}` };
  };
}

function main() {
  const args = process.argv.slice(2);
  if (args.includes('--version') || args.includes('-v')) {
    const solc = loadSolc();
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (!args.includes('--standard-json')) {
    process.stderr.write('solc-shim: only --version and --standard-json are supported\n');
    process.exit(2);
  }
  const solc = loadSolc();
  const input = fs.readFileSync(0, 'utf8');
  const output = solc.compile(input, { import: importResolver(args) });
  process.stdout.write(output);
}

main();
