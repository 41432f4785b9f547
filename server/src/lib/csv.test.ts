import { csvCell, csvDocument, csvRow } from './csv';

describe('csv cells', () => {
  it('neutralises text that a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://evil","klik")')).toBe(`"'=HYPERLINK(""http://evil"",""klik"")"`);
    expect(csvCell('+62 812')).toBe("'+62 812");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
    expect(csvCell('Keripik Tempe')).toBe('Keripik Tempe');
  });

  it('keeps numbers as numbers (a negative reversal is not a formula) and quotes separators', () => {
    expect(csvCell(-5000)).toBe('-5000');
    expect(csvCell(25_000)).toBe('25000');
    expect(csvCell('Jl. Ijen; No. 5')).toBe('"Jl. Ijen; No. 5"');
    expect(csvCell('kata "enak"')).toBe('"kata ""enak"""');
    expect(csvCell(null)).toBe('');
    expect(csvRow(['a', 1, null])).toBe('a;1;\r\n');
  });

  it('starts a document with the UTF-8 BOM', () => {
    expect(csvDocument(['Bulan'], [['2026-01']])).toBe('\uFEFFBulan\r\n2026-01\r\n');
  });
});
