import type { Response } from 'express';

/**
 * CSV for Indonesian spreadsheets. Separator `;`: Excel in the Indonesian locale uses the comma as
 * its decimal separator and `;` as its list separator, so a `;` file opens straight into columns
 * there (LibreOffice and Google Sheets detect it too). UTF-8 with a BOM so Excel reads the text as
 * UTF-8; CRLF line ends (RFC 4180). Money goes out as plain integers (no thousand dots), so it
 * stays a number a spreadsheet can add up.
 */
export const CSV_SEPARATOR = ';';
export const CSV_BOM = '\uFEFF';

export type CsvValue = string | number | boolean | Date | null | undefined;

/** Text a spreadsheet would run as a formula (or that a prefix could turn into one). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell. Text that begins like a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'` so
 * Excel shows it instead of evaluating it (CSV injection); numbers stay numbers (a refund's -5000
 * is a number, not a formula).
 */
export function csvCell(value: CsvValue, separator = CSV_SEPARATOR): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'ya' : 'tidak';
  let text = value instanceof Date ? value.toISOString() : value;
  if (FORMULA_START.test(text)) text = `'${text}`;
  if (text.includes(separator) || /["\r\n]/.test(text) || text !== text.trim()) text = `"${text.replace(/"/g, '""')}"`;
  return text;
}

export function csvRow(values: readonly CsvValue[], separator = CSV_SEPARATOR): string {
  return `${values.map((v) => csvCell(v, separator)).join(separator)}\r\n`;
}

/** A whole small document (the monthly report): BOM, header, rows. */
export function csvDocument(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  let out = CSV_BOM + csvRow(header);
  for (const r of rows) out += csvRow(r);
  return out;
}

function writeWithBackpressure(res: Response, chunk: string): Promise<void> | null {
  if (res.write(chunk)) return null;
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Streams rows to the response as they come (a database cursor), honouring backpressure, so a big
 * export never sits in memory. Stops reading when the client goes away.
 */
export async function streamCsv(res: Response, filename: string, header: readonly string[], rows: AsyncIterable<readonly CsvValue[]>): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`);
  res.setHeader('Cache-Control', 'no-store');
  try {
    await writeWithBackpressure(res, CSV_BOM + csvRow(header));
    let batch = '';
    for await (const row of rows) {
      if (res.destroyed) break;
      batch += csvRow(row);
      if (batch.length >= 16_384) {
        const wait = writeWithBackpressure(res, batch);
        batch = '';
        if (wait) await wait;
      }
    }
    if (!res.destroyed) res.end(batch);
  } catch (err) {
    // Headers are gone: the only honest signal left is a cut connection.
    res.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}
