/**
 * What the portal's browser files (70, 71) share: Debian's Chromium driven by playwright-core, a
 * page per role signed in at its organization's gateway, axe, and screenshots at desktop and phone
 * width into test/artifacts/portal/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { profile } from './support';

export const ARTIFACTS = join(__dirname, '..', 'artifacts', 'portal');
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export type PortalOrg = 'community' | 'regulator' | 'utility';
export const portalUrl = (org: PortalOrg) => `${profile().orgs[org].gateway.url}/portal/`;

/** A browser with pages in a fixed locale and zone, so that the numbers and times on screen can be checked exactly. */
export function portalBrowser() {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  return {
    async launch(): Promise<void> {
      mkdirSync(ARTIFACTS, { recursive: true });
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
    },
    async newPage(): Promise<Page> {
      const context = await browser!.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'Europe/Berlin' });
      contexts.push(context);
      return context.newPage();
    },
    async close(): Promise<void> {
      await Promise.all(contexts.map((c) => c.close()));
      await browser?.close();
    },
  };
}

export async function signIn(page: Page, org: PortalOrg, key: string): Promise<void> {
  await page.goto(portalUrl(org));
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** No serious or critical axe violation on the page as it is. */
export async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** The page at desktop and at phone width, as PNG artifacts; at phone width nothing overflows sideways. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  // Two frames: the charts' ResizeObserver shrinks them to the new width before the page is measured for the shot.
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
  await page.screenshot({ path: join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
  // What reaches past the phone's width, by tag and class (none: nothing to scroll sideways).
  const overflow = await page.evaluate<string[]>(
    `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > ${PHONE.width} && !e.closest('.scroll'))` +
      `.map((e) => e.tagName + '.' + e.className)`,
  );
  expect(overflow).toEqual([]);
  await page.setViewportSize(DESKTOP);
}

/** axe and the screenshots of the view as it is. */
export async function checkView(page: Page, name: string): Promise<void> {
  await expectAccessible(page);
  await screenshots(page, name);
}
