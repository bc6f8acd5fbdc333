#!/usr/bin/env node
// Seeded generator of fixtures/customers.xlsx, the Excel workbook the .xlsx reader is tested on.
//
//   node scripts/make-xlsx-fixture.mjs fixtures
//
// Two sheets: "customers" (60 rows: text id, double spend, integer visits, date signup, boolean newsletter,
// categorical region with one "NA" cell, a formula column spend_per_visit with cached results, one #DIV/0!) and
// "notes" (a small table with rich text, a hyperlink and a date-time). Same arguments ⇒ byte-identical file:
// the workbook's creation dates and every zip entry's time are fixed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';

const out = process.argv[2] ?? 'fixtures';
const seed = 20261205;
const nCustomers = 60;
const fixedTime = new Date(Date.UTC(1980, 0, 1));

/** mulberry32: small seeded PRNG, enough for fixtures. */
function rng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(seed);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const wb = new ExcelJS.Workbook();
wb.creator = 'segment fixtures';
wb.lastModifiedBy = 'segment fixtures';
wb.created = fixedTime;
wb.modified = fixedTime;

const customers = wb.addWorksheet('customers');
customers.columns = [
  { header: 'id', key: 'id', width: 8 },
  { header: 'spend', key: 'spend', width: 10, style: { numFmt: '0.00' } },
  { header: 'visits', key: 'visits', width: 8 },
  { header: 'signup', key: 'signup', width: 12, style: { numFmt: 'yyyy-mm-dd' } },
  { header: 'newsletter', key: 'newsletter', width: 12 },
  { header: 'region', key: 'region', width: 10 },
  { header: 'spend_per_visit', key: 'spend_per_visit', width: 16, style: { numFmt: '0.00' } },
];
for (let i = 1; i <= nCustomers; i++) {
  const r = i + 1;
  const spend = Math.round((20 + rand() * 480) * 100) / 100;
  // One customer with no visits yet: the formula's cached result is #DIV/0!.
  const visits = i === 17 ? 0 : 1 + Math.floor(rand() * 30);
  const signup = new Date(Date.UTC(2022, 0, 1) + Math.floor(rand() * 1000) * 86_400_000);
  const region = i === 23 ? 'NA' : pick(['North', 'South', 'East', 'West']);
  customers.addRow({
    id: `C${String(i).padStart(3, '0')}`,
    spend,
    visits,
    signup,
    newsletter: rand() < 0.4,
    region,
    spend_per_visit: {
      formula: `B${r}/C${r}`,
      result: visits === 0 ? { error: '#DIV/0!' } : spend / visits,
    },
  });
}

const notes = wb.addWorksheet('notes');
notes.addRow(['topic', 'owner', 'link', 'due']);
const notesRows = [
  [
    { richText: [{ text: 'Spring ', font: { bold: true } }, { text: 'campaign' }] },
    'Ana',
    { text: 'brief', hyperlink: 'https://example.com/brief' },
    new Date(Date.UTC(2026, 2, 1, 9, 30)),
  ],
  ['Churn review', 'Ben', null, new Date(Date.UTC(2026, 3, 15, 14, 0))],
  ['Loyalty tiers', 'Ana', { text: 'deck', hyperlink: 'https://example.com/deck' }, null],
];
for (const row of notesRows) notes.addRow(row);
notes.getColumn(4).numFmt = 'yyyy-mm-dd hh:mm';

/** Set every zip entry's time (local headers and central directory) to `time` so the bytes are reproducible. */
function fixZipTimes(zip, time) {
  const dosTime = (time.getUTCHours() << 11) | (time.getUTCMinutes() << 5) | (time.getUTCSeconds() >> 1);
  const dosDate = ((time.getUTCFullYear() - 1980) << 9) | ((time.getUTCMonth() + 1) << 5) | time.getUTCDate();
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  const entries = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  for (let k = 0; k < entries; k++) {
    zip.writeUInt16LE(dosTime, p + 12);
    zip.writeUInt16LE(dosDate, p + 14);
    const local = zip.readUInt32LE(p + 42);
    zip.writeUInt16LE(dosTime, local + 10);
    zip.writeUInt16LE(dosDate, local + 12);
    p += 46 + zip.readUInt16LE(p + 28) + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return zip;
}

mkdirSync(out, { recursive: true });
const bytes = fixZipTimes(Buffer.from(await wb.xlsx.writeBuffer()), fixedTime);
writeFileSync(join(out, 'customers.xlsx'), bytes);
console.log(`wrote ${join(out, 'customers.xlsx')} (${bytes.length} bytes)`);
