// The operator's flow from issue 5, in a real browser against the release
// binary and a fake upstream: log in → provider from a preset → group and
// route → E2E Test OK → key shown once and revealed again → a real
// /v1/chat/completions call → the call in Request logs → disable the key →
// 401 → switch to 中文. A screenshot of every page lands in test-output/browser.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { chromium } = require("playwright-core");
const harness = require("./harness");

const FAKE_TEXT = "Hello from the fake upstream.";

async function chat(base, key, model) {
  const r = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }] }),
  });
  return { status: r.status, body: await r.text() };
}

// Retries `fn` until it returns truthy: the gateway applies admin changes
// and writes request logs asynchronously (well under a second, normally).
async function eventually(fn, what, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("admin UI: the whole operator flow", { timeout: 180000 }, async (t) => {
  const env = await harness.start();
  const browser = await chromium.launch({
    executablePath: env.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("dialog", (d) => d.accept());
  const shot = async (name) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(env.out, `${name}.png`), fullPage: true });
  };
  let groupUrl;
  let key;

  try {
    await t.test("unauthenticated /admin redirects to the login page", async () => {
      await page.goto(`${env.base}/`);
      await page.waitForURL(/\/admin\/login$/);
      await shot("01-login");
    });

    await t.test("a wrong password is refused, the right one logs in", async () => {
      await page.fill("input[name=password]", "not-the-password");
      await page.click("#login-form button[type=submit]");
      await page.waitForSelector(".form-error:not(:empty)");
      assert.match(await page.textContent(".form-error"), /invalid username or password/);
      await page.fill("input[name=password]", env.password);
      await page.click("#login-form button[type=submit]");
      await page.waitForURL(`${env.base}/admin`);
      await shot("02-groups-initial");
    });

    await t.test("create a provider from a preset pointing at the fake upstream", async () => {
      await page.goto(`${env.base}/admin/providers`);
      await page.selectOption("#provider-form select[name=vendor]", "deepseek");
      assert.equal(await page.inputValue("#provider-form input[name=base_url]"), "https://api.deepseek.com/v1");
      assert.equal(await page.inputValue("#provider-form select[name=protocol]"), "openai");
      await page.fill("#provider-form input[name=name]", "fake-deepseek");
      await page.fill("#provider-form input[name=base_url]", `${env.fakeBase}/v1`);
      await page.fill("#provider-form input[name=api_key]", "sk-fake-upstream-secret-0001");
      await page.click("#provider-form button[type=submit]");
      const row = page.locator("tr[data-provider]", { hasText: "fake-deepseek" });
      await row.waitFor();
      assert.match(await row.textContent(), /sk-…0001/);
      assert.ok(!(await page.content()).includes("sk-fake-upstream-secret-0001"), "provider key must stay write-only");
      await shot("03-providers");
    });

    await t.test("create a group and a route", async () => {
      await page.goto(`${env.base}/admin/groups`);
      await page.fill('form[data-api="/admin/api/groups"] input[name=name]', "browser-team");
      await page.click('form[data-api="/admin/api/groups"] button[type=submit]');
      await page.waitForURL(/\/admin\/groups\/\d+$/);
      groupUrl = page.url();
      await page.click("details.add > summary");
      await page.fill("#add-route-form input[name=alias]", "fast");
      await page.fill("#add-route-form input[name=model]", "fake-model");
      await page.click("#add-route-form button[type=submit]");
      await page.locator("code.alias", { hasText: "fast" }).first().waitFor();
    });

    await t.test("E2E Test of the route and of the whole group show OK", async () => {
      const row = page.locator("tr[data-route]", { hasText: "fast" });
      await row.locator("button", { hasText: "E2E Test" }).click();
      const result = page.locator(".test-result.ok");
      await result.waitFor({ timeout: 30000 });
      const text = await result.textContent();
      assert.match(text, /OK/);
      assert.ok(text.includes(FAKE_TEXT), `reply shown: ${text}`);
      await page.click("text=E2E Test all");
      await page.waitForSelector("#testall-summary.pass", { timeout: 30000 });
      assert.equal(await page.textContent("#testall-summary"), "PASS (1/1)");
      await shot("04-group-tested");
    });

    await t.test("create a key: shown once, revealed again", async () => {
      await page.fill('#keys input[name=name]', "laptop");
      await page.click("#keys button[type=submit]");
      await page.waitForSelector("dialog#modal[open] #secret-value");
      key = (await page.textContent("#secret-value")).trim();
      assert.match(key, /^db_sk_[A-Za-z0-9_-]{20,}$/);
      assert.match(await page.textContent("dialog#modal"), /only time it is shown/);
      assert.ok((await page.textContent("#snippet-curl")).includes(key), "snippets filled with the new key");
      await shot("05-key-created");
      await page.click("dialog#modal form button");
      await page.waitForLoadState("load");
      const row = page.locator("tr[data-key]", { hasText: "laptop" });
      await row.waitFor();
      assert.ok(!(await page.content()).includes(key), "the list never shows the plaintext");
      await row.locator("button", { hasText: "Reveal" }).click();
      await page.waitForSelector("dialog#modal[open] #secret-value");
      assert.equal((await page.textContent("#secret-value")).trim(), key);
      await page.click("dialog#modal form button");
    });

    await t.test("the key calls /v1/chat/completions through the gateway", async () => {
      const r = await eventually(async () => {
        const r = await chat(env.base, key, "fast");
        return r.status === 200 ? r : null;
      }, "the new key to work");
      assert.ok(r.body.includes(FAKE_TEXT), r.body);
    });

    await t.test("the call shows up in Request logs with its upstream status", async () => {
      await eventually(async () => {
        await page.goto(`${env.base}/admin/logs?alias=fast`);
        return (await page.locator("table.logs tbody tr", { hasText: "laptop" }).count()) > 0;
      }, "the request log row");
      const row = page.locator("table.logs tbody tr", { hasText: "laptop" }).first();
      const cells = await row.locator("td").allTextContents();
      assert.match(cells[2], /fast/);
      assert.match(cells[4], /200/, "status");
      assert.match(cells[5], /200/, "upstream status");
      await shot("06-logs");
    });

    await t.test("disabling the key makes the next call 401", async () => {
      await page.goto(groupUrl);
      const row = page.locator("tr[data-key]", { hasText: "laptop" });
      await row.locator("button", { hasText: "Disable" }).click();
      await page.waitForLoadState("load");
      await page.locator("tr[data-key]", { hasText: "laptop" }).locator(".badge.off").waitFor();
      await eventually(async () => (await chat(env.base, key, "fast")).status === 401, "the disabled key to be refused");
      await shot("07-group-key-disabled");
    });

    await t.test("every page renders; usage and settings included", async () => {
      for (const [name, p] of [["08-providers-health", "/admin/providers"], ["09-usage", "/admin/usage"], ["10-settings", "/admin/settings"], ["11-groups", "/admin/groups"]]) {
        const resp = await page.goto(`${env.base}${p}`);
        assert.equal(resp.status(), 200, p);
        if (p === "/admin/usage") assert.ok((await page.locator("figure.chart svg").count()) >= 4, "usage charts");
        await shot(name);
      }
    });

    await t.test("switch the UI to 中文", async () => {
      await page.goto(groupUrl);
      await page.click("button[data-lang=zh]");
      await page.waitForSelector("text=模型路由");
      assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
      assert.match(await page.textContent("header.top nav"), /分组.*供应商.*请求日志.*用量/s);
      await shot("12-group-zh");
      for (const [name, p] of [["13-providers-zh", "/admin/providers"], ["14-logs-zh", "/admin/logs"], ["15-usage-zh", "/admin/usage"], ["16-settings-zh", "/admin/settings"]]) {
        await page.goto(`${env.base}${p}`);
        await shot(name);
      }
      await page.goto(`${env.base}/admin/usage`);
      assert.match(await page.textContent("main"), /各分组请求数/);
    });

    assert.deepEqual(pageErrors, [], "no JavaScript errors on any page");
  } catch (e) {
    await shot("failure").catch(() => {});
    console.error("keyway output:\n" + env.logs.join(""));
    throw e;
  } finally {
    await browser.close();
    await env.stop();
  }
});
