import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The little of the DOM the checks use (the project compiles without the DOM library). */
interface PageGlobals {
  document: {
    querySelectorAll(selector: 'canvas'): ArrayLike<{
      width: number;
      height: number;
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
    }>;
    body: { innerText: string };
  };
}

export interface CanvasInfo {
  width: number;
  height: number;
  /** Pixels with any opacity: something was drawn. */
  paintedPixels: number;
}

export interface OfflinePage {
  /** Every request other than the file itself: each was aborted, and there should be none. */
  blockedRequests: string[];
  consoleErrors: string[];
  pageErrors: string[];
  canvases: CanvasInfo[];
  /** Text of the page's body. */
  text: string;
}

/**
 * Open a local HTML file in Debian's headless Chromium with a fresh profile and every network request aborted,
 * and report what it drew and what went wrong. Optionally save a full-page screenshot.
 */
export async function openOffline(file: string, options: { screenshot?: string } = {}): Promise<OfflinePage> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'tempest-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const url = pathToFileURL(file).href;
  const result: OfflinePage = { blockedRequests: [], consoleErrors: [], pageErrors: [], canvases: [], text: '' };
  try {
    await context.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      result.blockedRequests.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') result.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => result.pageErrors.push(error.message));
    await page.goto(url, { waitUntil: 'load' });
    result.canvases = await page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      return Array.from(document.querySelectorAll('canvas'), (canvas) => {
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let paintedPixels = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) paintedPixels++;
        return { width: canvas.width, height: canvas.height, paintedPixels };
      });
    });
    result.text = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.innerText);
    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true });
    return result;
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
