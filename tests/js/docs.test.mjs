// Every code block a page tells a user to run is checked: the fenced blocks of
// README.md and docs/*.md, each by what its info string says it is.
//
//   ```sh      every command names a script that exists (bash scripts/X.sh), a
//              subcommand and options the CLI knows (the npm package's command,
//              asked with --help; the Rust binary's, read from src/bin/), or one
//              of the few outside tools listed below; paths into the repository
//              exist; `mcp-edge-auth init` lines are run in an empty directory.
//   ```json    parses; a config (an object with `resource`) is accepted by the
//              npm package's createValidatorSync, or with `json gateway` by the
//              Worker's check (gateway-only fields allowed).
//   ```toml    parses; a wrangler.toml with [vars.MCP_AUTH] passes the Worker's
//              config check with its UPSTREAM_URL.
//   ```js/ts   parses (node --check; TypeScript's syntax check). The README's
//              Node example is also run, by package.test.mjs; docs/npm.md's
//              Express example below, against a stand-in for its issuer;
//              docs/deployment.md's origin check behind the real Worker, by
//              gateway.test.mjs.
//   ```rust    run by `cargo test --doc`: src/lib.rs includes the page.
//   ```text, ```LANG output    not checked: output, synopses, diagrams.
//   ```LANG fragment           deliberately incomplete: JSON and TOML must still
//                              parse, nothing else is checked.
// A block without an info string, or in a language no rule covers, fails.
// The Rust CLI's command lines (README, docs/cli.md) are run by tests/cli.rs,
// which compares what they print with docs/cli.md's output block.
// Also: every relative link in the repository's Markdown resolves (file and
// #heading), and the README stays a front door.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { ConfigError, createValidatorSync } from 'mcp-edge-auth';
import { parse as parseToml } from 'smol-toml';

import { publicJwk, repo, signEs256 } from './helpers.mjs';

// The check `mcp-edge-auth init` runs: the Worker's own, gateway-only fields allowed.
const { checkConfig } = await import(new URL('./node_modules/mcp-edge-auth/dist/init.js', import.meta.url));
const CLI = `${repo}tests/js/node_modules/mcp-edge-auth/dist/cli.js`;

const scratch = mkdtempSync(join(tmpdir(), 'docs-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const read = (path) => readFileSync(join(repo, path), 'utf8');
const json = (path) => JSON.parse(read(path));

// ---- Markdown: fenced blocks, headings, links ------------------------------

/** The fenced code blocks of a Markdown text: { line, info, lang, flags, code }. */
export function fencedBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^(\s*)(`{3,}|~{3,})(.*)$/);
    if (!open) continue;
    const [, indent, fence, rest] = open;
    const closes = (line) => line.trim().length >= fence.length && [...line.trim()].every((c) => c === fence[0]);
    let j = i + 1;
    while (j < lines.length && !closes(lines[j])) j++;
    assert.ok(j < lines.length, `the block opened on line ${i + 1} is never closed`);
    // Inside a list item the block and its fence are indented alike.
    const code = lines.slice(i + 1, j).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart())).join('\n');
    const [lang = '', ...flags] = rest.trim().split(/\s+/).filter(Boolean);
    blocks.push({ line: i + 1, info: rest.trim(), lang: lang.toLowerCase(), flags, code });
    i = j;
  }
  return blocks;
}

/** The lines of a Markdown text with those of fenced blocks (fences included) blanked. */
function outsideBlocks(text) {
  const lines = text.split('\n');
  for (const { line, code } of fencedBlocks(text)) {
    const end = line + code.split('\n').length; // the closing fence's index
    for (let k = line - 1; k <= end; k++) lines[k] = '';
  }
  return lines;
}

/** The text outside fenced blocks and inline code spans (where links live). */
function prose(text) {
  return outsideBlocks(text).map((l) => l.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '')).join('\n');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(text) {
  const seen = new Map();
  const out = new Set();
  for (const line of outsideBlocks(text)) {
    const h = line.match(/^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/);
    if (!h) continue;
    const visible = h[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = visible.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Every Markdown file of the repository, outside dependencies and build output. */
function markdownFiles(dir = '') {
  const skip = new Set(['.git', 'node_modules', 'target', 'build', 'dist', 'corpus', 'artifacts', '.mirror']);
  const found = [];
  for (const name of readdirSync(join(repo, dir)).sort()) {
    if (skip.has(name)) continue;
    const path = dir ? `${dir}/${name}` : name;
    if (statSync(join(repo, path)).isDirectory()) found.push(...markdownFiles(path));
    else if (name.endsWith('.md')) found.push(path);
  }
  return found;
}

const pages = ['README.md', ...readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

// ---- What the commands may name ---------------------------------------------

/** The npm package's command: its subcommands and each one's options, as its --help says. */
const npmCli = (() => {
  const help = (...args) => execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const commands = [...help('--help').matchAll(/^\s*(?:usage:\s*)?mcp-edge-auth ([a-z]+)/gm)].map((m) => m[1]);
  assert.ok(commands.length >= 2, `the package's command lists its subcommands: ${commands}`);
  return new Map(commands.map((c) => [c, new Set(help(c, '--help').match(/--[a-z][a-z-]*/g))]));
})();

/** The Rust binary (src/bin/mcp-edge-auth.rs): the subcommands and options it matches on. */
const rustCli = (() => {
  const source = read('src/bin/mcp-edge-auth.rs');
  const commands = [...source.matchAll(/^\s*"([a-z][a-z-]*)" =>/gm)].map((m) => m[1]);
  const options = new Set([...source.matchAll(/"(--[a-z][a-z-]*)" =>/g)].map((m) => m[1]));
  assert.ok(commands.includes('verify') && options.has('--config'), 'the Rust CLI source still reads as expected');
  return { commands: new Set(commands), options };
})();

const cargoFeatures = new Set(Object.keys(parseToml(read('Cargo.toml')).features ?? {}));
const npmPackage = json('js/package.json');
/** What a page may tell users to `npm install`: the package and the peers it is used with. */
const installable = new Set(['mcp-edge-auth', ...Object.keys(npmPackage.peerDependencies ?? {})]);
/** Packages a page may run with `npx`: the ones the tests install and run themselves, at pinned versions. */
const testedTools = new Set(Object.keys(json('tests/js/package.json').devDependencies ?? {}));
// wrangler's own commands are not this project's to test; these are the ones the docs use.
// A new one is added here deliberately.
const WRANGLER = [['dev'], ['deploy'], ['kv', 'namespace', 'create'], ['secret', 'put']];
const CARGO = new Set(['build']);
/** Arguments that name a file of this repository. */
const REPO_PATH = /^(?:examples|tests|scripts|bench|docs|fuzz|js|src)\//;

// ---- Shell ------------------------------------------------------------------

/** Shell words of one logical line: quotes removed, operators split off, a comment dropped. */
export function shellWords(line) {
  const words = [];
  let word = null;
  for (let i = 0; i < line.length; ) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      if (word !== null) words.push(word);
      word = null;
      i++;
    } else if (c === '#' && word === null) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      assert.ok(end > i, `unterminated ' in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (line[j] !== '"') {
        assert.ok(j < line.length, `unterminated " in: ${line}`);
        if (line[j] === '\\') j++;
        s += line[j++];
      }
      word = (word ?? '') + s;
      i = j + 1;
    } else if ('|&;<>'.includes(c)) {
      if (word !== null) words.push(word);
      word = null;
      let j = i;
      while (j < line.length && line[j] === c) j++;
      words.push({ op: line.slice(i, j) });
      i = j;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The commands of a ```sh block: continuation lines joined, split at |, &&, ||, ;. */
export function shellCommands(code) {
  const commands = [];
  for (const line of code.replace(/\\\n/g, ' ').split('\n')) {
    let current = { argv: [], inputs: [], outputs: [] };
    const words = shellWords(line);
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (typeof w === 'string') current.argv.push(w);
      else if (w.op === '<' || w.op === '>' || w.op === '>>') {
        const target = words[++i];
        assert.equal(typeof target, 'string', `a redirection names a file: ${line}`);
        (w.op === '<' ? current.inputs : current.outputs).push(target);
      } else {
        commands.push(current);
        current = { argv: [], inputs: [], outputs: [] };
      }
    }
    commands.push(current);
  }
  return commands
    .map((c) => ({ ...c, argv: c.argv.slice(c.argv.findIndex((a) => !/^[A-Z_][A-Z0-9_]*=/.test(a)) >>> 0) }))
    .filter((c) => c.argv.length);
}

const optionNames = (args) => args.filter((a) => a.startsWith('--') && a !== '--').map((a) => a.split('=')[0]);

function checkOptions(label, args, known) {
  for (const option of optionNames(args)) assert.ok(known.has(option), `${label} has no option ${option} (it knows ${[...known].join(' ')})`);
}

/** Runs a documented `mcp-edge-auth init` line in an empty directory: it must write a config the Worker accepts. */
function runInit(args) {
  const dir = mkdtempSync(join(scratch, 'init-'));
  const r = spawnSync(process.execPath, [CLI, 'init', ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.status, 0, `mcp-edge-auth init ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  const out = args.includes('--out') ? resolve(dir, args[args.indexOf('--out') + 1]) : join(dir, 'wrangler.toml');
  checkWrangler(parseToml(readFileSync(out, 'utf8')), 'the wrangler.toml init wrote');
}

function checkNpmCli(sub, args) {
  assert.ok(npmCli.has(sub), `the package's mcp-edge-auth has no subcommand ${JSON.stringify(sub)} (it has ${[...npmCli.keys()].join(', ')})`);
  checkOptions(`mcp-edge-auth ${sub}`, args, npmCli.get(sub));
  if (sub === 'init') runInit(args);
}

function checkRustCli(sub, args) {
  assert.ok(rustCli.commands.has(sub), `the Rust mcp-edge-auth has no subcommand ${JSON.stringify(sub)} (src/bin/mcp-edge-auth.rs)`);
  checkOptions(`mcp-edge-auth ${sub}`, args, rustCli.options);
}

/** One documented command: what it runs must exist and take what it is given. */
export function checkCommand({ argv, inputs }) {
  const [program, ...args] = argv;
  const where = `\`${argv.join(' ')}\``;
  for (const path of [...args.filter((a) => REPO_PATH.test(a)), ...inputs.filter((a) => REPO_PATH.test(a))]) {
    assert.ok(existsSync(join(repo, path)), `${where} names ${path}, which does not exist`);
  }
  if (program === 'bash') {
    assert.match(args[0] ?? '', /^scripts\/[\w-]+\.sh$/, `${where}: bash runs one of scripts/*.sh`);
    assert.ok(existsSync(join(repo, args[0])), `${where}: ${args[0]} does not exist`);
  } else if (program === 'npx' && args[0] === 'mcp-edge-auth') {
    checkNpmCli(args[1], args.slice(2));
  } else if (program === 'mcp-edge-auth') {
    if (npmCli.has(args[0])) checkNpmCli(args[0], args.slice(1));
    else checkRustCli(args[0], args.slice(1));
  } else if (/^target\/(?:release|debug)\/mcp-edge-auth$/.test(program)) {
    checkRustCli(args[0], args.slice(1));
  } else if (program === 'cargo') {
    assert.ok(CARGO.has(args[0]), `${where}: cargo ${args[0]} is not a command the docs use`);
    const at = args.indexOf('--features');
    if (at >= 0) for (const f of args[at + 1].split(/[ ,]/)) assert.ok(cargoFeatures.has(f), `${where}: Cargo.toml has no feature ${f}`);
  } else if (program === 'npm') {
    assert.ok(['install', 'i'].includes(args[0]), `${where}: npm ${args[0]} is not a command the docs use`);
    for (const name of args.slice(1).filter((a) => !a.startsWith('-'))) {
      const tarball = name.match(/^target\/npm\/mcp-edge-auth-(.+)\.tgz$/);
      if (tarball) assert.equal(tarball[1], npmPackage.version, `${where}: the tarball is mcp-edge-auth-${npmPackage.version}.tgz`);
      else assert.ok(installable.has(name), `${where}: ${name} is neither this package nor one of its peers`);
    }
  } else if (program === 'npx' && args[0] === 'wrangler') {
    const words = args.slice(1);
    assert.ok(
      WRANGLER.some((cmd) => cmd.every((w, i) => words[i] === w)),
      `${where}: wrangler ${words.join(' ')} is not one of the wrangler commands the docs use (${WRANGLER.map((c) => c.join(' ')).join(', ')})`,
    );
  } else if (program === 'npx') {
    assert.ok(testedTools.has(args[0]), `${where}: ${args[0]} is not a tool the tests install (tests/js/package.json)`);
  } else {
    assert.fail(`${where}: no rule checks ${program}; run it through a script, or teach this test what to check`);
  }
}

// ---- Configs ------------------------------------------------------------------

function checkPolicy(config, label) {
  try {
    createValidatorSync(config);
  } catch (e) {
    if (e instanceof ConfigError) assert.fail(`${label} is refused: ${e.field}: ${e.message}`);
    throw e;
  }
}

function checkGateway(config, upstream, label) {
  try {
    checkConfig(config, upstream);
  } catch (e) {
    assert.fail(`${label} is refused by the Worker's check: ${e.message}`);
  }
}

/** A wrangler.toml: its [vars.MCP_AUTH] (a table or a JSON string) with its UPSTREAM_URL. */
function checkWrangler(toml, label) {
  const vars = toml.vars ?? {};
  if (vars.MCP_AUTH === undefined) return false;
  assert.equal(typeof vars.UPSTREAM_URL, 'string', `${label} sets MCP_AUTH, so it needs UPSTREAM_URL`);
  const config = typeof vars.MCP_AUTH === 'string' ? JSON.parse(vars.MCP_AUTH) : JSON.parse(JSON.stringify(vars.MCP_AUTH));
  checkGateway(config, vars.UPSTREAM_URL, `${label}'s MCP_AUTH`);
  return true;
}

// ---- Code ---------------------------------------------------------------------

function checkJavaScript(code, label) {
  const file = join(mkdtempSync(join(scratch, 'js-')), 'block.mjs');
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${label} does not parse:\n${r.stderr}`);
}

let typescript;
function checkTypeScript(code, label) {
  typescript ??= createRequire(`${repo}js/package.json`)('typescript');
  const { diagnostics = [] } = typescript.transpileModule(code, { reportDiagnostics: true, compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022 } });
  assert.deepEqual(diagnostics.map((d) => typescript.flattenDiagnosticMessageText(d.messageText, '\n')), [], `${label} does not parse`);
}

// ---- The blocks -----------------------------------------------------------------

/** Checks one block; returns what was checked, for the tally. */
export function checkBlock(block, label) {
  const { lang, flags, code } = block;
  assert.notEqual(lang, '', `${label} has no info string: say what it is (\`\`\`sh, \`\`\`json, \`\`\`text …)`);
  if (lang === 'text' || flags.includes('output')) return 'not run';
  const fragment = flags.includes('fragment');
  switch (lang) {
    case 'sh':
    case 'bash':
    case 'shell': {
      if (fragment) return 'not run';
      const commands = shellCommands(code);
      assert.ok(commands.length, `${label} has no command`);
      for (const c of commands) checkCommand(c);
      return 'commands';
    }
    case 'json': {
      let value;
      try {
        value = JSON.parse(code);
      } catch (e) {
        assert.fail(`${label} is not JSON: ${e.message}`);
      }
      if (fragment || value === null || typeof value !== 'object' || !('resource' in value)) return 'json';
      if (flags.includes('gateway')) checkGateway(value, 'https://origin.example.com/mcp', label);
      else checkPolicy(value, label);
      return 'config';
    }
    case 'toml': {
      let value;
      try {
        value = parseToml(code);
      } catch (e) {
        assert.fail(`${label} is not TOML: ${e.message}`);
      }
      if (fragment) return 'toml';
      return checkWrangler(value, label) ? 'config' : 'toml';
    }
    case 'js':
    case 'javascript':
    case 'mjs':
      if (fragment) return 'not run';
      checkJavaScript(code, label);
      return 'js';
    case 'ts':
    case 'typescript':
      if (fragment) return 'not run';
      checkTypeScript(code, label);
      return 'ts';
    case 'rust':
      if (fragment) return 'not run';
      // Run by `cargo test --doc`: the page is included as a doc comment.
      assert.ok(read('src/lib.rs').includes(`include_str!("../${label.split(':')[0]}")`), `${label}: src/lib.rs includes the page so cargo test --doc runs it`);
      return 'rust';
    default:
      assert.ok(fragment, `${label}: nothing here checks \`\`\`${lang}; mark it \`\`\`${lang} fragment (and test it where it lives) or \`\`\`text`);
      return 'not run';
  }
}

const tally = new Map();
for (const page of pages) {
  for (const block of fencedBlocks(read(page))) {
    const label = `${page}:${block.line} \`\`\`${block.info}`;
    test(label, () => {
      const kind = checkBlock(block, label);
      tally.set(kind, (tally.get(kind) ?? 0) + 1);
    });
  }
}

test('the checks above saw every kind of block they claim to check', () => {
  // A parser that found nothing would pass every block vacuously.
  for (const kind of ['commands', 'config', 'js']) assert.ok(tally.get(kind) > 0, `no ${kind} block was checked: ${JSON.stringify([...tally])}`);
});

test('the checks refuse what they are meant to refuse', () => {
  const refused = (block) => assert.throws(() => checkBlock({ flags: [], ...block }, 'a broken block'), assert.AssertionError);
  refused({ lang: '', code: 'bash scripts/demo.sh' });
  refused({ lang: 'sh', code: 'bash scripts/no-such-script.sh' });
  refused({ lang: 'sh', code: 'npx mcp-edge-auth no-such-command' });
  refused({ lang: 'sh', code: 'npx mcp-edge-auth doctor https://mcp.example.com/mcp --no-such-option' });
  refused({ lang: 'sh', code: 'target/release/mcp-edge-auth verify --config examples/demo/no-such-file.json' });
  refused({ lang: 'sh', code: 'npx mcp-edge-auth init --resource https://mcp.example.com/mcp --upstream https://o.example/mcp --issuer https://a.example --tool x=' });
  refused({ lang: 'sh', code: 'curl https://example.com' });
  refused({ lang: 'json', code: '{"resource": "https://mcp.example.com/mcp", "issuers": [{"issuer": "https://a.example", "algorithms": ["HS256"]}]}' });
  refused({ lang: 'json', code: '{"resource": "https://mcp.example.com/mcp", "issuers": [{"issuer": "https://a.example"}], "forwardToken": true}' });
  refused({ lang: 'toml', code: '[vars]\nUPSTREAM_URL = "https://o.example/mcp"\n[vars.MCP_AUTH]\nresource = "https://mcp.example.com/mcp"\n' });
  refused({ lang: 'js', code: "import { x } from 'y';\nconst = 1;" });
  refused({ lang: 'rust', code: 'fn main() {}' });
  // And accept what they are meant to accept.
  checkBlock({ lang: 'json', flags: ['gateway'], code: '{"resource": "https://mcp.example.com/mcp", "issuers": [{"issuer": "https://a.example"}], "forwardToken": true}' }, 'a gateway config');
  checkBlock({ lang: 'text', flags: [], code: 'anything at all' }, 'output');
});

test('every relative link in the Markdown resolves, to the file and the heading', () => {
  const broken = [];
  for (const file of markdownFiles()) {
    const text = read(file);
    for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:
      const [path, anchor] = target.split('#');
      const resolved = path ? relative(repo, resolve(repo, dirname(file), decodeURIComponent(path))) : file;
      if (!existsSync(join(repo, resolved))) {
        broken.push(`${file}: ${target} (no ${resolved})`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) {
        broken.push(`${file}: ${target} (no heading #${anchor} in ${resolved})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

test('the README is a front door: the two commands first, at most 200 lines, every docs page linked', () => {
  const readme = read('README.md');
  assert.ok(readme.split('\n').length <= 200, `README.md has ${readme.split('\n').length} lines`);
  const [first, second] = fencedBlocks(readme);
  assert.equal(first.code.trim(), 'bash scripts/demo.sh');
  assert.equal(second.code.trim(), 'bash scripts/test.sh');
  for (const page of pages.slice(1)) assert.ok(readme.includes(`](${page})`), `README.md links to ${page}`);
});

// ---- docs/npm.md's Express example, run ---------------------------------------

test("docs/npm.md's Express example runs as written", async () => {
  const block = fencedBlocks(read('docs/npm.md')).find((b) => b.lang === 'js' && b.code.includes('auth.express()'));
  assert.ok(block, 'docs/npm.md shows createAuth with the MCP SDK over Express');
  // The page leaves the MCP handler and the server's start to the reader: here
  // a handler that says who called, and the app exported to be started below.
  const module = join(repo, 'tests/js', `.npm-example-${process.pid}.mjs`);
  writeFileSync(module, `const mcpHandler = (req, res) => res.json({ subject: req.auth.subject, scopes: req.auth.scopes });\n${block.code}\nexport { app };\n`);
  after(() => rmSync(module, { force: true }));
  // https://auth.example.com, as the example names it, served from here: its
  // metadata and key set, through the fetch the package calls by default.
  const issuer = 'https://auth.example.com';
  const documents = {
    [`${issuer}/.well-known/oauth-authorization-server`]: { issuer, jwks_uri: `${issuer}/jwks` },
    [`${issuer}/jwks`]: { keys: [publicJwk('p256')] },
  };
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(issuer)) return documents[url] ? Response.json(documents[url]) : new Response('not found', { status: 404 });
    return realFetch(input, init);
  };
  after(() => (globalThis.fetch = realFetch));

  const { app } = await import(pathToFileURL(module).href);
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  const now = Math.floor(Date.now() / 1000);
  const token = (scope) => signEs256({ iss: issuer, aud: 'https://mcp.example.com/mcp', sub: 'bob', client_id: 'c', scope, iat: now, exp: now + 300 });
  const call = (authorization, name) =>
    realFetch(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } }),
    });

  const metadata = await realFetch(`${base}/.well-known/oauth-protected-resource/mcp`).then((r) => r.json());
  assert.equal(metadata.resource, 'https://mcp.example.com/mcp');

  const anonymous = await call(null, 'update_pet_profile');
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('www-authenticate'), /resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"/);

  const reader = await call(`Bearer ${await token('mcp:access pet-profile:read')}`, 'update_pet_profile');
  assert.equal(reader.status, 403, 'the per-tool scope, from the body');
  assert.match(reader.headers.get('www-authenticate'), /error="insufficient_scope".*scope="[^"]*pet-profile:write/);

  const writer = await call(`Bearer ${await token('mcp:access pet-profile:write')}`, 'update_pet_profile');
  assert.equal(writer.status, 200);
  assert.deepEqual(await writer.json(), { subject: 'bob', scopes: ['mcp:access', 'pet-profile:write'] });

  const stranger = await call(`Bearer ${await token('mcp:access pet-profile:write')}`.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), 'get_pet_profile');
  assert.equal(stranger.status, 401, 'a token altered on the way');
});
