import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { freePort, startDemoProcess, type DemoProcess } from '../support/demo-process';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

describe('GraphiQL in a real browser', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'halo-sync-graphiql-'));
  let demo: DemoProcess;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    }
    chmodSync(root, 0o755);
    demo = await startDemoProcess({ dataDir: path.join(root, 'pg'), pgPort: await freePort() });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (demo) {
      demo.child.kill('SIGTERM');
      await demo.exited;
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('opens with the demo key filled in, runs a query, shows its result, and calls no other host', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (!['data:', 'blob:', 'about:'].includes(url.protocol) && !LOOPBACK.has(url.hostname)) foreign.push(req.url());
    });

    await page.goto(demo.graphiqlUrl, { waitUntil: 'load' });
    const run = page.locator('.graphiql-execute-button');
    await run.waitFor({ timeout: 30_000 });
    const graphqlAnswer = page.waitForResponse((r) => r.url().startsWith(demo.graphiqlUrl) && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('companies'));
    await run.click();
    const answer = await graphqlAnswer;
    expect(answer.status()).toBe(200);
    expect(answer.request().headers()['authorization']).toBe(`Bearer ${demo.apiKey}`);

    const result = page.locator('.graphiql-response');
    await expect.poll(async () => (await result.innerText()).replace(/\s+/g, ' '), { timeout: 15_000 }).toContain('"companies": { "nodes": [ { "id":');
    expect(foreign).toEqual([]);
  }, 60_000);

  it('fetches the schema: the Docs pane lists Query’s fields, and the editor suggests field names', async () => {
    const page = await browser.newPage();
    // GraphiQL's own introspection query (graphql-js getIntrospectionQuery), as the browser sends it.
    const introspection = page.waitForResponse((r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('__schema'));
    await page.goto(demo.graphiqlUrl, { waitUntil: 'load' });
    const schemaAnswer = await introspection;
    expect(schemaAnswer.status(), await schemaAnswer.text()).toBe(200);

    await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Query', { exact: true }).first().click();
    await expect.poll(async () => docs.innerText(), { timeout: 15_000 }).toMatch(/companies[\s\S]*contacts/);
    expect(await docs.innerText()).not.toMatch(/Error fetching schema/);

    // Type in the query editor: Monaco's suggest widget offers the schema's fields.
    const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('{ setupCh');
    const suggestions = page.locator('.suggest-widget .monaco-list-row');
    const open = async () => {
      if (!(await suggestions.count())) await page.keyboard.press('Control+Space');
      return (await suggestions.allInnerTexts()).join('\n');
    };
    await expect.poll(open, { timeout: 15_000 }).toMatch(/setupChecklist/);
  }, 60_000);
});
