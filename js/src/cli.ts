#!/usr/bin/env node
// The package's command line: `init` writes a wrangler.toml for the packaged
// gateway, `doctor` checks a live deployment. Exit 0 on success, 1 when a
// doctor check fails, 2 on a usage or configuration mistake.

import './node.js';
import { runDoctor } from './doctor.js';
import { runInit } from './init.js';
import { UsageError } from './usage.js';

const USAGE = `usage: mcp-edge-auth init [options]        write wrangler.toml for the gateway in this package
       mcp-edge-auth doctor MCP_URL [options] check a deployment the way MCP clients see it
Run a command with --help for its options.`;

const [command, ...args] = process.argv.slice(2);
try {
  if (command === 'init') {
    for (const line of await runInit(args)) console.log(line);
  } else if (command === 'doctor') {
    const { output, ok } = await runDoctor(args);
    console.log(output);
    process.exitCode = ok ? 0 : 1;
  } else if (command === undefined || command === '--help' || command === 'help') {
    console.log(USAGE);
  } else {
    throw new UsageError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  }
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`mcp-edge-auth ${command ?? ''}: ${e.message}`);
  process.exitCode = 2;
}
