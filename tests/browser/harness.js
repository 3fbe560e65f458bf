// Starts the real binaries for the browser suite: the fake upstream and
// `keyway serve` on free loopback ports with a temporary data directory.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, "target");
const KEYWAY_BIN = process.env.KEYWAY_BIN || path.join(TARGET, "release", "keyway");
const FAKE_BIN = process.env.FAKE_UPSTREAM_BIN || path.join(TARGET, "release", "fake-upstream");
const OUT = process.env.BROWSER_OUTPUT || path.join(ROOT, "test-output", "browser");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Resolves with the first stdout line matching `re`, or rejects on exit/timeout.
function waitForLine(child, re, timeoutMs, label) {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`${label}: no ${re} within ${timeoutMs} ms; output:\n${seen}`)), timeoutMs);
    const onData = (buf) => {
      seen += buf.toString();
      const m = seen.match(re);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (b) => { seen += b.toString(); });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code}; output:\n${seen}`));
    });
  });
}

async function waitHttp(url, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch (_) { /* not up yet */ }
    if (Date.now() > end) throw new Error(`${url} not up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function start() {
  for (const bin of [KEYWAY_BIN, FAKE_BIN]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} missing: build with cargo build --release -p keyway -p keyway-testkit`);
  }
  fs.mkdirSync(OUT, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keyway-browser-"));
  const children = [];

  const fake = spawn(FAKE_BIN, ["127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(fake);
  const [, fakeAddr] = await waitForLine(fake, /listening on (\S+)/, 15000, "fake-upstream");

  const port = await freePort();
  const password = "browser-admin-pass-1";
  const keyway = spawn(KEYWAY_BIN, ["serve", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KEYWAY_ADMIN_PASSWORD: password, RUST_LOG: process.env.RUST_LOG || "warn" },
  });
  children.push(keyway);
  const logs = [];
  keyway.stdout.on("data", (b) => logs.push(b.toString()));
  keyway.stderr.on("data", (b) => logs.push(b.toString()));
  const base = `http://127.0.0.1:${port}`;
  await waitHttp(`${base}/healthz`, 30000);

  return {
    base,
    fakeBase: `http://${fakeAddr}`,
    password,
    out: OUT,
    logs,
    chromium: CHROMIUM,
    async stop() {
      for (const c of children.reverse()) {
        if (c.exitCode === null) {
          c.kill("SIGTERM");
          await new Promise((r) => { c.once("exit", r); setTimeout(r, 5000); });
        }
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

module.exports = { start };
