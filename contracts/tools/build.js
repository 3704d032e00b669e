#!/usr/bin/env node
// Compiles src/*.sol with solc-js (offline) and writes out/<Contract>.abi and out/<Contract>.bin for every
// deployable contract: the files web3j's wrapper generator and the Java deployer read.
// Usage: node tools/build.js <solc package dir> <contracts dir>
'use strict';

const fs = require('fs');
const path = require('path');

const [solcDir, root] = process.argv.slice(2);
const solc = require(solcDir);
const srcDir = path.join(root, 'src');
const outDir = path.join(root, 'out');

// Keep in step with foundry.toml (optimizer, runs, evm_version).
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
};

const sources = {};
for (const file of fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[`src/${file}`] = { content: fs.readFileSync(path.join(srcDir, file), 'utf8') };
}

const findImports = (p) => {
  const file = path.join(root, p);
  return fs.existsSync(file) ? { contents: fs.readFileSync(file, 'utf8') } : { error: `File not found: ${p}` };
};

const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings }),
  { import: findImports }));

let failed = false;
for (const e of output.errors || []) {
  process.stderr.write(e.formattedMessage || e.message);
  if (e.severity === 'error') failed = true;
}
if (failed) process.exit(1);

fs.mkdirSync(outDir, { recursive: true });
const written = [];
for (const [, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    if (!c.evm.bytecode.object) continue; // interfaces and abstract contracts
    fs.writeFileSync(path.join(outDir, `${name}.abi`), JSON.stringify(c.abi));
    fs.writeFileSync(path.join(outDir, `${name}.bin`), c.evm.bytecode.object);
    written.push(`${name} (${c.evm.bytecode.object.length / 2} bytes)`);
  }
}
process.stdout.write(`compiled with solc ${solc.version()}: ${written.join(', ')} -> ${outDir}\n`);
