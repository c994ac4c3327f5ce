// The browser tests of Rekisteri's web interface: Playwright (core only)
// driving Debian's Chromium against a running server. Started by
// crates/server/tests/browser.rs, which boots the server and sets:
//   REKISTERI_BASE             the server's base URL
//   REKISTERI_ADMIN_NAME       the first admin, and their one-time password
//   REKISTERI_ADMIN_PASSWORD
//   REKISTERI_STAFF_NAME       a ready staff user (own password, commitment)
//   REKISTERI_STAFF_PASSWORD     for the scenarios run without scenario 1
//   REKISTERI_OUTBOX           the app's mail outbox folder (the portal's links)
//   REKISTERI_PORTAL_EMAIL     a person's email address, for the portal
//   REKISTERI_E2E_ONLY         e.g. "6,7": run only these scenarios
// Exits non-zero when a scenario fails; a failing page's screenshot goes to
// e2e/artifacts/.

import { chromium } from 'playwright-core';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, 'artifacts');
const axePath = join(here, 'node_modules', 'axe-core', 'axe.min.js');

const env = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`${name} is not set`);
  }
  return v;
};
const BASE = env('REKISTERI_BASE').replace(/\/$/, '');
const ONLY = (process.env.REKISTERI_E2E_ONLY || '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
  .map(Number);
const selected = (n) => ONLY.length === 0 || ONLY.includes(n);

// ---------------------------------------------------------------- helpers

/** RFC 4648 base32 (no padding needed). */
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/[\s=-]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP: HMAC-SHA1, 30-second steps, 6 digits. */
export function totp(secret, step = Math.floor(Date.now() / 30000)) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/** A code of a step not used before (a used code is refused as a replay). */
async function freshCode(user) {
  for (;;) {
    const step = Math.floor(Date.now() / 30000);
    if (step > (user.lastStep ?? -1) && Date.now() % 30000 < 27000) {
      user.lastStep = step;
      return totp(user.secret, step);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The Y-tunnus check digit (weights 7,9,10,5,8,4,2; mod 11); null when
 *  the remainder is 1 (no valid check digit). */
export function ytunnusCheck(seven) {
  const w = [7, 9, 10, 5, 8, 4, 2];
  const r = [...seven].reduce((s, d, i) => s + Number(d) * w[i], 0) % 11;
  if (r === 1) return null;
  return r === 0 ? 0 : 11 - r;
}

/** A valid and a wrong Y-tunnus of the same seven digits. */
function ytunnukset() {
  for (;;) {
    const seven = String(1000000 + Math.floor(Math.random() * 8999999));
    const check = ytunnusCheck(seven);
    if (check === null) continue;
    return { valid: `${seven}-${check}`, wrong: `${seven}-${(check + 1) % 10}` };
  }
}

const suffix = randomBytes(3).toString('hex');
const newPassword = () => `Kesä-${randomBytes(6).toString('hex')}-salasana`;
const today = () => new Date().toISOString().slice(0, 10);
function tomorrowAt(hour) {
  const d = new Date(Date.now() + 86400000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(hour)}:00`;
}

let browser;
const cspErrors = [];
const axeFindings = [];
const axeChecked = new Set();

async function newContext(locale, options = {}) {
  const context = await browser.newContext({ locale, baseURL: BASE, ...options });
  context.setDefaultTimeout(10000);
  context.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspErrors.push(`${msg.text()} (${msg.location().url})`);
  });
  return context;
}

/** Runs axe-core on the page's URL in a context of its own that bypasses
 *  CSP (only there), with the same cookies. */
async function axe(page) {
  if (!selected(7)) return;
  const url = page.url();
  const key = `${new URL(url).pathname}|${await page.evaluate(() => document.documentElement.lang)}`;
  if (axeChecked.has(key)) return;
  axeChecked.add(key);
  const state = await page.context().storageState();
  const context = await browser.newContext({ bypassCSP: true, storageState: state, locale: 'en-GB' });
  try {
    const p = await context.newPage();
    await p.goto(url);
    await p.addScriptTag({ path: axePath });
    const result = await p.evaluate(async () =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
    );
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') {
        axeFindings.push({ url, id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) });
      }
    }
  } finally {
    await context.close();
  }
}

/** Goes to a page, expects it to load (2xx) and checks it with axe. */
async function visit(page, path) {
  const response = await page.goto(path);
  assert.ok(response && response.ok(), `${path}: HTTP ${response && response.status()}`);
  await axe(page);
  return response;
}

/** Submits the form holding `selector`. */
async function submit(page, selector) {
  const form = page.locator('form', { has: page.locator(selector) }).first();
  await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').first().click()]);
  await page.waitForLoadState('load');
}

/** Takes a user through the account steps the server asks for: a new
 *  password after a one-time one, a second factor when required. */
async function settle(page, user) {
  for (let i = 0; i < 4; i++) {
    const path = new URL(page.url()).pathname;
    if (path === '/account/password') {
      await axe(page);
      const fresh = newPassword();
      const current = page.locator('[name=current_password]');
      if (await current.count()) await current.fill(user.password);
      for (const input of await page.locator('input[type=password]').all()) {
        if ((await input.getAttribute('name')) !== 'current_password') await input.fill(fresh);
      }
      await submit(page, '[name=new_password]');
      user.password = fresh;
    } else if (path === '/account/second-factor') {
      await enrolTotp(page, user);
    } else {
      return;
    }
  }
}

async function enrolTotp(page, user) {
  // axe-core's own visit may give the session a new pending secret: the
  // page is loaded again after it.
  await visit(page, '/account/second-factor');
  await page.reload();
  const secret = (await page.locator('#totp-secret').innerText()).trim();
  assert.match(secret, /^[A-Z2-7 =-]+$/i, 'the TOTP secret is shown as base32');
  user.secret = secret;
  const pw = page.locator('[name=current_password], [name=password]');
  if (await pw.count()) await pw.first().fill(user.password);
  await page.locator('[name=code]').fill(await freshCode(user));
  await submit(page, '[name=code]');
  assert.ok(!(await page.locator('.field-error:visible').count()), `TOTP enrolment refused: ${await page.content()}`);
}

/** Logs in on /login (and /login/code when the user has a second factor). */
async function login(page, user) {
  await visit(page, '/login');
  await page.locator('#name').fill(user.name);
  await page.locator('#password').fill(user.password);
  await submit(page, '#password');
  if (new URL(page.url()).pathname === '/login/code') {
    await axe(page);
    assert.ok(user.secret, `${user.name} was asked for a code but has no second factor here`);
    await page.locator('[name=code]').fill(await freshCode(user));
    await submit(page, '[name=code]');
  }
  assert.notEqual(new URL(page.url()).pathname, '/login', `login of ${user.name} failed: ${await page.locator('main').innerText()}`);
}

async function logout(page) {
  await Promise.all([page.waitForURL(/\/login/), page.locator('form[action="/logout"] button').click()]);
}

// The users and records the scenarios share.
const admin = { name: env('REKISTERI_ADMIN_NAME', 'admin'), password: env('REKISTERI_ADMIN_PASSWORD', '') };
let staff = {
  name: env('REKISTERI_STAFF_NAME', ''),
  password: env('REKISTERI_STAFF_PASSWORD', ''),
};
const officer = {
  name: env('REKISTERI_OFFICER_NAME', ''),
  password: env('REKISTERI_OFFICER_PASSWORD', ''),
};
const shared = {};

/** A signed-in page of the user, in the locale: the user's session when
 *  it is still on (a second login would wait for a fresh TOTP code). */
async function signedIn(user, locale) {
  if (user.state) {
    const context = await newContext(locale, { storageState: user.state });
    const page = await context.newPage();
    // Any page: without a session it leads to /login.
    await page.goto('/').catch(() => {});
    if (!new URL(page.url()).pathname.startsWith('/login')) return { context, page };
    await context.close();
  }
  const context = await newContext(locale);
  const page = await context.newPage();
  await login(page, user);
  await settle(page, user);
  user.state = await context.storageState();
  return { context, page };
}

/** Creates a user on /admin/users, records their commitment; returns them. */
async function createUser(adminPage, name, role) {
  await visit(adminPage, '/admin/users');
  await adminPage.locator('[name=name]').fill(name);
  await adminPage.locator('select[name=role]').selectOption(role);
  await submit(adminPage, '[name=name]');
  const password = (await adminPage.locator('#one-time-password').innerText()).trim();
  assert.ok(password.length >= 12, 'a one-time password is shown');
  let href = await adminPage
    .locator(`a[href^="/admin/users/"]`, { hasText: name })
    .first()
    .getAttribute('href')
    .catch(() => null);
  if (!href) {
    await visit(adminPage, '/admin/users');
    href = await adminPage.locator(`a[href^="/admin/users/"]`, { hasText: name }).first().getAttribute('href');
  }
  await visit(adminPage, href);
  await adminPage.locator('[name=signed_on]').fill(today());
  await adminPage.locator('[name=document_version]').fill('1');
  await submit(adminPage, '[name=signed_on]');
  return { name, password, id: href.split('/').pop() };
}

// -------------------------------------------------------------- scenarios

/** 1. The first admin, a staff user, passwords and the second factor. */
async function scenario1() {
  const page = await (await newContext('en-GB')).newPage();
  shared.adminPage = page;
  await login(page, admin);
  assert.equal(new URL(page.url()).pathname, '/account/password', 'a one-time password leads to /account/password');
  await settle(page, admin);
  // The settings the admin keeps: the register's details and retention (R1, R9).
  await visit(page, '/admin/settings/register');
  await visit(page, '/admin/settings/retention');
  const user = await createUser(page, `myyja-${suffix}`, 'staff');
  const { page: sp, context } = await signedIn(user, 'fi-FI');
  if (!user.secret) await enrolTotp(sp, user);
  await logout(sp);
  await login(sp, user);
  assert.equal(new URL(sp.url()).pathname, '/', 'the staff user reaches the start page with a TOTP code');
  await axe(sp);
  user.state = await context.storageState();
  await context.close();
  staff = user;
}

/** 2. An organisation (a wrong Y-tunnus first), a person, a meeting. */
async function scenario2() {
  const { page, context } = await signedIn(staff, 'fi-FI');
  const y = ytunnukset();
  await visit(page, '/organisations/new');
  const orgName = `Testi ${suffix} Oy`;
  await page.locator('[name=name]').fill(orgName);
  await page.locator('[name=business_id]').fill(y.wrong);
  await submit(page, '[name=business_id]');
  const error = page.locator('#err-business_id');
  await error.waitFor({ state: 'visible' });
  assert.match(await error.innerText(), /tarkist/i, 'the Y-tunnus error is in Finnish');
  assert.equal(await page.locator('[name=business_id]').getAttribute('aria-invalid'), 'true');
  await axe(page).catch(() => {}); // a POST's page: checked where it can be reloaded
  await page.locator('[name=business_id]').fill(y.valid);
  await submit(page, '[name=business_id]');
  assert.match(page.url(), /\/organisations\/[^/]+$/, `the organisation is created: ${page.url()}`);
  shared.orgPath = new URL(page.url()).pathname;
  await visit(page, shared.orgPath);

  const last = `Virtanen${suffix}`;
  await visit(page, '/people/new');
  await page.locator('[name=first_name]').fill('Aino');
  await page.locator('[name=last_name]').fill(last);
  await page.locator('[name=phones]').fill('040 123 4567');
  await submit(page, '[name=last_name]');
  assert.match(page.url(), /\/people\/[^/]+$/, `the person is created: ${page.url()}`);
  shared.personPath = new URL(page.url()).pathname;
  shared.personId = shared.personPath.split('/').pop();
  shared.lastName = last;
  await visit(page, shared.personPath);
  assert.match(await page.locator('main').innerText(), /\+358\s?40\s?123\s?4567/, 'the phone in international form');

  const meeting = `Tapaaminen ${suffix}`;
  await visit(page, `/notes/new?person_id=${shared.personId}&kind=meeting`);
  await page.locator('[name=body]').fill(meeting);
  await page.locator('[name=due_at]').fill(tomorrowAt(10));
  await submit(page, '[name=body]');
  const note = `Muistiinpano ${suffix}: budjetti 10 000 €`;
  await visit(page, `/notes/new?person_id=${shared.personId}&kind=meeting_note`);
  await page.locator('[name=body]').fill(note);
  await submit(page, '[name=body]');
  shared.noteTexts = [meeting, note];
  await visit(page, '/');
  assert.ok((await page.locator('main').innerText()).includes(meeting), 'the start page lists the meeting');
  await context.close();
}

/** 3. Search finds the person by a prefix of the surname as you type. */
async function scenario3() {
  assert.ok(shared.lastName, 'needs scenario 2');
  const { page, context } = await signedIn(staff, 'en-GB');
  await visit(page, '/search');
  await page.locator('#q').pressSequentially(shared.lastName.slice(0, 10), { delay: 60 });
  const hit = page.locator('#results a.hit', { hasText: shared.lastName });
  await hit.first().waitFor({ state: 'visible', timeout: 10000 });
  await context.close();
}

/** 4. Two editors of the same person: the second sees the conflict. */
async function scenario4() {
  assert.ok(shared.personPath, 'needs scenario 2');
  const { page: first, context } = await signedIn(staff, 'fi-FI');
  const other = await newContext('fi-FI', { storageState: await context.storageState() });
  const second = await other.newPage();
  await visit(first, `${shared.personPath}/edit`);
  await visit(second, `${shared.personPath}/edit`);
  await first.locator('[name=title]').fill('toimitusjohtaja');
  await submit(first, '[name=title]');
  await second.locator('[name=title]').fill('hallituksen puheenjohtaja');
  await submit(second, '[name=title]');
  const conflict = second.locator('.conflict');
  await conflict.waitFor({ state: 'visible' });
  assert.match(await conflict.innerText(), /Joku muu muutti/i);
  await context.close();
}

/** 5. A partner sees no notes and no phone numbers anywhere. */
async function scenario5() {
  assert.ok(shared.adminPage, 'needs scenario 1');
  const user = await createUser(shared.adminPage, `kumppani-${suffix}`, 'partner');
  const { page, context } = await signedIn(user, 'fi-FI');
  const paths = ['/', '/people', '/organisations'];
  if (shared.personPath) paths.push(shared.personPath);
  if (shared.orgPath) paths.push(shared.orgPath);
  for (const path of paths) {
    const response = await page.goto(path);
    const text = await page.content();
    assert.ok(!/4567/.test(text), `${path} (${response.status()}) shows a phone number to a partner`);
    for (const note of shared.noteTexts ?? []) assert.ok(!text.includes(note), `${path} shows a note to a partner`);
    if (response.ok()) await axe(page);
  }
  await context.close();
}

const CSV = [
  'first_name,last_name,emails,phones',
  `Aino,Tuonti${suffix},aino@esimerkki.fi,040 765 4321`,
  'Eino,,eino@esimerkki.fi,',
  `Helmi,Tuonti${suffix},helmi@esimerkki.fi,`,
  `Veikko,Tuonti${suffix},not-an-address,`,
  `Lyyli,Tuonti${suffix},,`,
].join('\n');

/** 6. An import with two bad rows, skipping them: progress and a report. */
async function scenario6() {
  for (const [locale, title] of [['en-GB', 'Import people'], ['fi-FI', 'Henkilöiden tuonti']]) {
    const { page, context } = await signedIn(staff, locale);
    await visit(page, '/import');
    assert.equal((await page.locator('h1').innerText()).trim(), title);
    await page.locator('#file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.locator('#source').selectOption('partner_system');
    await page.locator('#source_detail').fill('messut 2026');
    await page.locator('#skip_invalid').check();
    await submit(page, '#file');
    assert.match(page.url(), /\/import\/[0-9a-f-]+$/, `the job page: ${page.url()}`);
    await page.locator('#import-progress').waitFor();
    await page.locator('#import-status[data-status="done"]').waitFor({ timeout: 20000 });
    const progress = page.locator('#import-progress');
    assert.equal(await progress.getAttribute('value'), '3');
    assert.equal(await progress.getAttribute('max'), '3');
    const lines = await page.locator('#import-rejected tbody tr td:first-child').allInnerTexts();
    assert.deepEqual([...new Set(lines.map((l) => l.trim()))].sort(), ['3', '5']);
    const report = await page.request.get(`${new URL(page.url()).pathname}/report.csv`);
    assert.equal(report.status(), 200);
    const rows = (await report.text()).trim().split('\n');
    assert.equal(rows[0], 'line,field,reason');
    assert.ok(rows.some((r) => r.startsWith('3,')) && rows.some((r) => r.startsWith('5,')), rows.join('\n'));
    await axe(page);
    await context.close();
  }
}

/** 7. Accessibility: the pages above (checked as they were visited), and
 *  the login, start, search and import pages in both languages. */
async function scenario7() {
  for (const locale of ['fi-FI', 'en-GB']) {
    const anonymous = await newContext(locale);
    await visit(await anonymous.newPage(), '/login');
    await anonymous.close();
    const { page, context } = await signedIn(staff, locale);
    for (const path of ['/', '/search?q=Tuonti', '/import', '/marketing', '/marketing/wordings', '/recipients']) {
      await visit(page, path);
    }
    await context.close();
    // Retention (R9): the officer's page and a person's keeping section.
    if (officer.name) {
      const o = await signedIn(officer, locale);
      await visit(o.page, '/retention');
      if (shared.personPath) await visit(o.page, shared.personPath);
      await o.context.close();
    }
  }
  console.log(`  axe-core checked ${axeChecked.size} pages`);
  if (axeFindings.length) {
    console.error(JSON.stringify(axeFindings, null, 2));
    assert.fail(`${axeFindings.length} serious or critical accessibility violations`);
  }
}

/** A mail's body, decoded (base64 or quoted-printable). */
function mailBody(raw) {
  const at = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, at).toLowerCase();
  const body = raw.slice(at + 4);
  if (head.includes('content-transfer-encoding: base64')) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (head.includes('content-transfer-encoding: quoted-printable')) {
    const soft = body.replace(/=\r\n/g, '');
    const bytes = [];
    for (let i = 0; i < soft.length; i++) {
      const hex = soft.slice(i + 1, i + 3);
      if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else bytes.push(soft.charCodeAt(i));
    }
    return Buffer.from(bytes).toString('utf8');
  }
  return body;
}

/** The portal's link in the newest mail to `email` that `seen` does not hold. */
async function portalLink(email, seen) {
  const dir = env('REKISTERI_OUTBOX');
  for (let i = 0; i < 50; i++) {
    let files = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.eml') && !seen.has(f)).sort();
    } catch {
      files = [];
    }
    for (const file of files.reverse()) {
      const raw = readFileSync(join(dir, file), 'latin1');
      if (!raw.includes(`To: ${email}`)) continue;
      seen.add(file);
      const match = mailBody(Buffer.from(raw, 'latin1').toString('utf8')).match(/https?:\/\/\S+\/portal\/verify\/\S+/);
      assert.ok(match, `a link in the mail ${file}`);
      return new URL(match[0]).pathname;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no portal link for ${email} in ${dir}`);
}

/** 8. The privacy portal (R14, R15): a link by email, the visit it opens,
 *  an access request whose report downloads, a marketing prohibition; in
 *  Finnish and English, axe-core on each page. */
async function scenario8() {
  const email = env('REKISTERI_PORTAL_EMAIL');
  const seen = new Set();
  const before = axeFindings.length;
  for (const [locale, lang, title] of [['fi-FI', 'fi', 'Tietosi asiakasrekisterissämme'], ['en-GB', 'en', 'Your data in our customer register']]) {
    const context = await newContext(locale);
    const page = await context.newPage();
    await visit(page, '/portal');
    assert.equal((await page.locator('h1').innerText()).trim(), title);
    await page.locator('#email').fill(email);
    await page.locator('input[name=wanted][value=access]').check();
    await submit(page, '#email');
    assert.equal(await page.locator('html').getAttribute('lang'), lang);
    assert.ok(await page.locator('[role=status]').count(), 'the same answer for every address');
    const link = await portalLink(email, seen);
    await visit(page, link);
    await submit(page, 'button.primary');
    assert.match(page.url(), /\/portal\/request\/access/, `verified: ${page.url()}`);
    await axe(page);
    await submit(page, 'button.primary');
    const id = (await page.locator('#case-id').innerText()).trim();
    assert.match(id, /^[0-9a-f-]{36}$/, 'the case id is shown');
    assert.ok((await page.locator('#case-deadline').innerText()).trim().length > 0, 'and its deadline');
    const report = await page.request.get('/portal/report?format=json');
    assert.equal(report.status(), 200, 'the report downloads');
    const readable = await page.request.get('/portal/report?format=html');
    assert.equal(readable.status(), 200, 'the readable report downloads');
    assert.match(await readable.text(), /tietosuoja@om\.fi/, 'the report names the supervisory authority (R20)');
    await visit(page, '/portal/home');
    await visit(page, '/portal/request/rectification');
    await visit(page, '/portal/marketing');
    const box = page.locator('input[name=prohibit]:not([disabled])').first();
    await box.check();
    await submit(page, 'input[name=prohibit]');
    assert.ok(await page.locator('.alert.ok').count(), `the prohibition is in force: ${await page.locator('main').innerText()}`);
    await context.close();
  }
  const found = axeFindings.slice(before);
  if (found.length) {
    console.error(JSON.stringify(found, null, 2));
    assert.fail(`${found.length} serious or critical accessibility violations on the portal`);
  }
  console.log(`  axe-core checked ${axeChecked.size} pages in all`);
}

// ----------------------------------------------------------------- runner

const scenarios = [scenario1, scenario2, scenario3, scenario4, scenario5, scenario6, scenario7, scenario8];

async function main() {
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.REKISTERI_CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  let failed = 0;
  try {
    for (const [i, scenario] of scenarios.entries()) {
      const n = i + 1;
      if (!selected(n)) continue;
      const started = Date.now();
      try {
        await scenario();
        console.log(`ok ${n} ${scenario.name} (${Date.now() - started} ms)`);
      } catch (error) {
        failed++;
        console.log(`not ok ${n} ${scenario.name}: ${error.stack || error}`);
        for (const context of browser.contexts()) {
          for (const [j, page] of context.pages().entries()) {
            const file = join(artifacts, `scenario${n}-${j}-${Date.now()}.png`);
            await page.screenshot({ path: file, fullPage: true }).catch(() => {});
            console.log(`  screenshot ${file} (${page.url()})`);
          }
        }
      } finally {
        for (const context of browser.contexts()) {
          if (!(shared.adminPage && context === shared.adminPage.context())) await context.close().catch(() => {});
        }
      }
    }
    if (cspErrors.length) {
      failed++;
      console.log(`not ok: Content-Security-Policy violations:\n  ${cspErrors.join('\n  ')}`);
    }
  } finally {
    await browser.close();
  }
  console.log(failed ? `${failed} failed` : 'all passed');
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
