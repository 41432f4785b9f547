import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, startTularServer, type RunningServer } from './tularServer';

/**
 * The whole journey of issue 6 in a real browser against a real server and database: an owner lists
 * a product; a reseller joins and makes a link; a buyer opens the link and checks out; the owner's open
 * dashboard shows the click and the order arrive live; the owner fulfils; the reseller sees the
 * commission; the owner pays it out. Phone-width screenshots of the main pages land in artifacts/.
 */

const SHOTS = path.join(ROOT, 'artifacts', 'screenshots');
const PHONE = { width: 360, height: 740 };
// A real phone's browser: the redirect (rightly) counts HeadlessChrome as a bot, never as a click.
const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

/** A 1×1 PNG: the server checks an upload's first bytes, not its name. */
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Uncaught errors and console errors from every page, quoted when a step fails. */
const browserErrors: string[] = [];

async function phone(): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'id-ID', timezoneId: 'Asia/Jakarta', userAgent: ANDROID_CHROME });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (err) => browserErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') browserErrors.push(`console: ${msg.text()}`);
  });
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  // From the top: a full-page shot of a scrolled page paints the sticky header over the content.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Names the failing step in the error (and screenshots every open page) so a red run says exactly where. */
async function step<T>(name: string, pages: Page[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await Promise.all(pages.map((p, i) => p.screenshot({ path: path.join(SHOTS, `FAILED-${name.replace(/\W+/g, '-')}-${i}.png`), fullPage: true }).catch(() => undefined)));
    const message = err instanceof Error ? err.message : String(err);
    const recent = browserErrors.slice(-10).join('\n  ');
    throw new Error(`journey step "${name}" failed: ${message}\n(server log: ${server.logFile})${recent ? `\nbrowser errors:\n  ${recent}` : ''}`);
  }
}

const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).first().textContent()) ?? '').trim();

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await startTularServer();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}, 240_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await server?.stop();
}, 60_000);

test('owner lists, reseller shares, buyer orders, owner watches it live, fulfils and pays out', async () => {
  const stamp = Date.now().toString(36);
  const slug = `albar-${stamp}`;
  const owner = await phone();
  const reseller = await phone();
  const buyer = await phone();
  const all = [owner, reseller, buyer];

  await step('public home page loads', all, async () => {
    await owner.goto(`${server.url}/`);
    await owner.getByRole('heading', { name: 'Temukan produk UMKM' }).waitFor();
    await shot(owner, '01-home');
  });

  await step('owner registers', all, async () => {
    await owner.goto(`${server.url}/register?role=owner`);
    await owner.locator('input[name=role][value=owner]').check();
    await owner.locator('input[name=name]').fill('Bu Albar');
    await owner.locator('input[name=phone]').fill('081234567890');
    await owner.locator('input[name=email]').fill(`owner-${stamp}@example.com`);
    await owner.locator('input[name=password]').fill('rahasia-sekali');
    await shot(owner, '02-register-owner');
    await owner.getByTestId('auth-submit').click();
    await owner.waitForURL(/\/owner$/);
  });

  const shopPath = await step('owner creates a shop (hold 0 days, minimum payout Rp 1.000)', all, async () => {
    await owner.goto(`${server.url}/owner/shops/new`);
    await owner.locator('input[name=name]').fill('Aneka Makanan Albar');
    await owner.locator('input[name=slug]').fill(slug);
    await owner.locator('input[name=whatsapp]').fill('081234567890');
    await owner.locator('select[name=holdDays]').selectOption('0');
    await owner.locator('input[name=minPayout]').fill('1000');
    await owner.getByTestId('commission-preview').waitFor();
    await shot(owner, '03-owner-shop-form');
    // A typo in a commission box blocks the save and is named next to that box, in Indonesian.
    await owner.locator('input[name=rate-influencer]').fill('1o');
    await owner.getByTestId('shop-save').click();
    await owner.getByText('Isi dengan persen, mis. 7 atau 7,5.').waitFor();
    expect(owner.url()).toMatch(/\/owner\/shops\/new$/);
    expect(await owner.getByText('Tersimpan').count()).toBe(0);
    await shot(owner, '03b-owner-shop-form-field-error');
    await owner.locator('input[name=rate-influencer]').fill('10');
    await owner.getByTestId('shop-save').click();
    await owner.waitForURL(/\/owner\/shops\/[a-f0-9]{24}$/);
    return new URL(owner.url()).pathname;
  });

  const productId = await step('owner lists a product (Rp 25.000, stock 10)', all, async () => {
    await owner.getByTestId('new-product').click();
    await owner.locator('input[name=name]').fill('Keripik Tempe Pedas');
    await owner.locator('textarea[name=description]').fill('Renyah, pedas, buatan rumah.');
    await owner.locator('input[name=price]').fill('25000');
    await owner.locator('input[name=stock]').fill('10');
    await owner.getByTestId('product-save').click();
    await owner.waitForURL(/\/owner\/products\/[a-f0-9]{24}$/);
    // A photo, through the upload with a progress bar.
    await owner.locator('input[type=file]').first().setInputFiles({ name: 'keripik.png', mimeType: 'image/png', buffer: TINY_PNG });
    await owner.locator('section.card img').first().waitFor();
    await shot(owner, '04-owner-product-form');
    return owner.url().split('/').pop()!;
  });

  const soldOutId = await step('owner lists a second product with no stock left', all, async () => {
    await owner.goto(`${server.url}${shopPath}/products/new`);
    await owner.locator('input[name=name]').fill('Sambal Roa');
    await owner.locator('input[name=price]').fill('30000');
    await owner.locator('input[name=stock]').fill('0');
    await owner.getByTestId('product-save').click();
    await owner.waitForURL(/\/owner\/products\/[a-f0-9]{24}$/);
    return owner.url().split('/').pop()!;
  });

  await step('reseller registers as a follower', all, async () => {
    await reseller.goto(`${server.url}/register?role=reseller`);
    await reseller.locator('input[name=segment][value=follower]').check();
    await reseller.locator('input[name=name]').fill('Rani');
    await reseller.locator('input[name=phone]').fill('081298765432');
    await reseller.locator('input[name=email]').fill(`reseller-${stamp}@example.com`);
    await reseller.locator('input[name=password]').fill('rahasia-juga-ya');
    await shot(reseller, '05-register-reseller');
    await reseller.getByTestId('auth-submit').click();
    await reseller.waitForURL(/\/reseller$/);
  });

  const linkUrl = await step('reseller joins the shop and makes a link', all, async () => {
    const card = reseller.locator(`[data-testid=discover-shop][data-shop-slug="${slug}"]`);
    await card.getByTestId('join-shop').click();
    await card.getByTestId('make-link').first().waitFor();
    await shot(reseller, '06-reseller-discover');
    await card.getByTestId('discover-product').filter({ hasText: 'Keripik Tempe Pedas' }).getByTestId('make-link').click();
    await reseller.waitForURL(/\/reseller\/links$/);
    const url = await text(reseller, 'link-url');
    expect(url).toMatch(/\/r\/[2-9a-hjkmnp-zA-HJ-NP-Z]{8,16}$/);
    // The WhatsApp button shares the WhatsApp link; the others make their own channel's link when tapped.
    const linkCard = reseller.getByTestId('link-card').first();
    expect(decodeURIComponent((await linkCard.getByTestId('share-whatsapp').getAttribute('href')) ?? '')).toContain(url);
    expect(await linkCard.getByTestId('share-facebook').evaluate((el) => el.tagName)).toBe('BUTTON');
    await shot(reseller, '07-reseller-links');
    await linkCard.locator('[data-testid=creative-kit] summary').click();
    await linkCard.getByText('Pesan di sini', { exact: false }).first().waitFor();
    await shot(reseller, '07b-reseller-creative-kit');
    return url;
  });

  const before = await step('owner opens the live dashboard', all, async () => {
    await owner.goto(`${server.url}/owner`);
    await owner.locator('[data-testid=live-indicator][data-live=on]').waitFor();
    // Marks this document: if the page reloaded, the mark would be gone.
    await owner.evaluate(() => Object.assign(window, { tularSamePage: 'yes' }));
    await owner.waitForTimeout(1500); // the first stats snapshot
    return { clicks: Number(await text(owner, 'kpi-clicks-value')), orders: Number(await text(owner, 'kpi-orders-value')) };
  });

  await step('buyer opens the referral link and lands on the product page', all, async () => {
    await buyer.goto(linkUrl);
    await buyer.waitForURL(new RegExp(`/p/${productId}`));
    await buyer.getByTestId('price').waitFor();
    expect(await text(buyer, 'price')).toBe('Rp 25.000');
    expect(await buyer.getByTestId('order-whatsapp').getAttribute('href')).toContain('wa.me/6281234567890');
    // The WhatsApp message quotes the referral code, so the sale survives the hop into a chat.
    const code = linkUrl.split('/').pop()!;
    expect(decodeURIComponent((await buyer.getByTestId('order-whatsapp').getAttribute('href')) ?? '')).toContain(code);
    expect(await buyer.locator('.gallery img').first().getAttribute('src')).toMatch(/\/api\/v1\/files\//);
    await shot(buyer, '08-product-page');
  });

  await step('owner dashboard shows the click live, without a reload', all, async () => {
    await owner.waitForFunction((n) => Number(document.querySelector('[data-testid=kpi-clicks-value]')?.textContent) > n, before.clicks, { timeout: 20_000 });
    expect(await owner.evaluate(() => (window as unknown as { tularSamePage?: string }).tularSamePage)).toBe('yes');
  });

  await step('buyer checks out 2 items', all, async () => {
    await buyer.locator('input[name=quantity]').fill('2');
    await buyer.locator('input[name=name]').fill('Pak Budi');
    await buyer.locator('input[name=phone]').fill('085712345678');
    await buyer.locator('textarea[name=address]').fill('Jl. Ijen 10, Malang');
    expect(await text(buyer, 'checkout-total')).toContain('Rp 50.000');
    await buyer.getByTestId('checkout-submit').click();
    await buyer.getByTestId('order-confirmation').waitFor();
    expect(await buyer.getByTestId('order-confirmation').textContent()).toContain('Rp 50.000');
    await shot(buyer, '09-order-confirmation');
  });

  await step('owner dashboard shows the order live, without a reload', all, async () => {
    await owner.waitForFunction((n) => Number(document.querySelector('[data-testid=kpi-orders-value]')?.textContent) > n, before.orders, { timeout: 20_000 });
    expect(await owner.evaluate(() => (window as unknown as { tularSamePage?: string }).tularSamePage)).toBe('yes');
    await shot(owner, '10-owner-dashboard-live');
  });

  await step('owner dashboard chart and breakdown redraw with today\'s click and order', all, async () => {
    await owner.waitForFunction(() => [...document.querySelectorAll('svg.chart rect.bar')].some((r) => Number(r.getAttribute('height')) > 0), undefined, { timeout: 20_000 });
    await owner.locator('table.table td', { hasText: 'Keripik Tempe Pedas' }).waitFor();
    expect(await owner.evaluate(() => (window as unknown as { tularSamePage?: string }).tularSamePage)).toBe('yes');
    await shot(owner, '10b-owner-dashboard-chart');
  });

  await step('owner marks the order paid, then fulfilled', all, async () => {
    await owner.goto(`${server.url}/owner/orders`);
    const row = owner.getByTestId('order-row').first();
    await row.getByTestId('order-paid').click();
    await owner.waitForFunction(() => document.querySelector('[data-testid=order-row] [data-testid=order-status]')?.textContent === 'Sudah bayar');
    await row.getByTestId('order-fulfilled').click();
    await owner.waitForFunction(() => document.querySelector('[data-testid=order-row] [data-testid=order-status]')?.textContent === 'Selesai dikirim');
    await shot(owner, '11-owner-orders');
  });

  await step('buyer reviews the delivered order from the confirmation link', all, async () => {
    await buyer.getByTestId('review-link').click();
    await buyer.waitForURL(/\/review\?token=/);
    await buyer.locator('input[name=name]').fill('Pak Budi');
    await buyer.locator('textarea[name=text]').fill('Renyah dan pedasnya pas!');
    await buyer.getByTestId('review-submit').click();
    await buyer.getByTestId('review-thanks').waitFor();
    await buyer.goto(`${server.url}/p/${productId}`);
    await buyer.getByText('Renyah dan pedasnya pas!').waitFor();
    await buyer.getByText('5.0 dari 5 (1 ulasan)').waitFor();
  });

  await step('reseller sees the commission (7% of Rp 50.000) and requests a payout', all, async () => {
    await reseller.goto(`${server.url}/reseller/earnings`);
    await reseller.getByTestId('earnings-row').waitFor();
    expect(await text(reseller, 'earnings-available')).toContain('Rp 3.500');
    await reseller.getByTestId('earnings-min').waitFor();
    await reseller.locator('input[name=payout-method][value=dana]').check();
    await reseller.locator('input[name=account-number]').fill('081298765432');
    await reseller.locator('input[name=account-name]').fill('Rani');
    await shot(reseller, '12-reseller-earnings');
    await reseller.getByTestId('payout-submit').click();
    await reseller.getByText('Permintaan pencairan terkirim.').waitFor();
  });

  await step('owner approves and marks the payout paid with a reference', all, async () => {
    await owner.goto(`${server.url}/owner/payouts`);
    await owner.getByTestId('payout-approve').click();
    await owner.getByTestId('payout-reference').fill('TRF-DANA-0001');
    await owner.getByTestId('payout-paid').click();
    await owner.waitForFunction(() => document.querySelector('[data-testid=payout-status]')?.textContent === 'Sudah dibayar');
    await shot(owner, '13-owner-payouts');
  });

  await step('reseller sees the payout paid', all, async () => {
    await reseller.goto(`${server.url}/reseller/earnings`);
    await reseller.getByTestId('my-payout').first().waitFor();
    expect(await text(reseller, 'my-payout-status')).toBe('Sudah dibayar');
    expect(await text(reseller, 'earnings-paid')).toContain('Rp 3.500');
    await shot(reseller, '14-reseller-paid');
  });

  await step('reseller reports a sale closed in a chat; the owner confirms it into an order', all, async () => {
    await reseller.goto(`${server.url}/reseller/links`);
    await reseller.getByRole('button', { name: 'Laporkan penjualan dari chat' }).click();
    await reseller.getByLabel('No. HP pembeli').fill('081311112222');
    await reseller.getByRole('button', { name: 'Kirim laporan' }).click();
    await reseller.getByText('Terkirim. Komisi dihitung').waitFor();
    await owner.goto(`${server.url}/owner/orders`);
    await owner.getByRole('button', { name: 'Konfirmasi' }).click();
    await owner.getByText('Tidak ada laporan yang menunggu.').waitFor();
    await owner.waitForFunction(() => document.querySelectorAll('[data-testid=order-row]').length === 2);
  });

  await step('a friend registers through the reseller\'s invite link and shows up in the team', all, async () => {
    await reseller.goto(`${server.url}/reseller/team`);
    const invite = await text(reseller, 'invite-url');
    expect(invite).toMatch(/\/register\?.*invite=/);
    const friend = await phone();
    await friend.goto(invite);
    await friend.locator('input[name=segment][value=buzzer]').check();
    await friend.locator('input[name=name]').fill('Dewi Teman');
    await friend.locator('input[name=phone]').fill('081377778888');
    await friend.locator('input[name=email]').fill(`friend-${stamp}@example.com`);
    await friend.locator('input[name=password]').fill('rahasia-teman');
    await friend.getByTestId('auth-submit').click();
    await friend.waitForURL(/\/reseller$/);
    await reseller.reload();
    const member = reseller.getByTestId('team-member').first();
    await member.waitFor();
    expect(await member.textContent()).toContain('Dewi Teman');
    expect(await member.textContent()).toContain('Buzzer');
  });

  await step('a buyer sees a sold-out product without an order form', all, async () => {
    await buyer.goto(`${server.url}/p/${soldOutId}`);
    await buyer.getByTestId('sold-out').waitFor();
    expect(await buyer.getByTestId('checkout-form').count()).toBe(0);
    await shot(buyer, '08b-product-sold-out');
  });

  await step('the remaining main pages render at phone width', all, async () => {
    const pages: Array<[Page, string, string]> = [
      [owner, '/owner/settings', '15-owner-settings'],
      [owner, '/owner/resellers', '16-owner-resellers'],
      [owner, '/owner/report', '17-owner-report'],
      [reseller, '/reseller/stats', '18-reseller-stats'],
      [reseller, '/reseller/leaderboard', '19-reseller-leaderboard'],
      [reseller, '/reseller/team', '20-reseller-team'],
      [buyer, `/s/${slug}`, '21-shop-page'],
    ];
    for (const [page, route, name] of pages) {
      await page.goto(`${server.url}${route}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid=loading]'));
      await shot(page, name);
    }
    expect(await reseller.getByTestId('invite-url').textContent()).toMatch(/\/register\?.*invite=/);
  });

  await step('owner reads the monthly report and downloads it as CSV', all, async () => {
    await owner.goto(`${server.url}/owner/report`);
    // This month: the checkout (2 × Rp 25.000) and the confirmed chat sale (1 × Rp 25.000).
    await owner.locator('table.table td', { hasText: 'Rp 75.000' }).first().waitFor();
    const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByTestId('csv-report').click()]);
    const file = await download.path();
    const csv = fs.readFileSync(file, 'utf8');
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    expect(csv).toContain('75000');
    const [orders] = await Promise.all([owner.waitForEvent('download'), owner.getByTestId('csv-orders').click()]);
    expect(fs.readFileSync(await orders.path(), 'utf8')).toContain('Keripik Tempe Pedas');
  });

  await step('a visitor switches the language to English and back', all, async () => {
    await buyer.goto(`${server.url}/`);
    await buyer.getByTestId('lang-switch').click();
    await buyer.getByRole('heading', { name: 'Discover small-business products' }).waitFor();
    expect(await buyer.evaluate(() => document.documentElement.lang)).toBe('en');
    await buyer.getByTestId('home-product').first().waitFor();
    await shot(buyer, '22-home-english');
    await buyer.goto(`${server.url}/p/${productId}`);
    await buyer.getByRole('heading', { name: 'Order directly' }).waitFor();
    await shot(buyer, '22b-product-english');
    await buyer.goto(`${server.url}/`);
    await buyer.reload();
    await buyer.getByRole('heading', { name: 'Discover small-business products' }).waitFor();
    await buyer.getByTestId('lang-switch').click();
    await buyer.getByRole('heading', { name: 'Temukan produk UMKM' }).waitFor();
  });

  await step('owner creates the conversion-API secret, shown once', all, async () => {
    await owner.goto(`${server.url}/owner/settings`);
    await owner.getByRole('button', { name: 'Buat kunci baru' }).click();
    expect((await text(owner, 'conversion-secret')).length).toBeGreaterThanOrEqual(20);
    await shot(owner, '23-owner-conversion-secret');
    await owner.reload();
    await owner.getByRole('button', { name: 'Buat kunci baru' }).waitFor();
    expect(await owner.getByTestId('conversion-secret').count()).toBe(0);
  });
});
