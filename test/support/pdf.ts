import { inflateSync } from 'node:zlib';

/**
 * The text a PDF shows, read back the way a viewer would find it: every content stream (inflated when it is
 * Flate-compressed), every string shown by `Tj` or `TJ`, hex (`<48656C6C6F>`) or literal (`(Hello)`), as Latin-1.
 */
export function pdfText(pdf: Uint8Array): string[] {
  const bytes = Buffer.from(pdf);
  const latin = bytes.toString('latin1');
  const shown: string[] = [];
  const starts = /(?<!end)stream\r?\n/g;
  for (let match = starts.exec(latin); match; match = starts.exec(latin)) {
    const start = match.index + match[0].length;
    const end = latin.indexOf('endstream', start);
    const raw = bytes.subarray(start, end);
    let content: string;
    try {
      content = inflateSync(raw).toString('latin1');
    } catch {
      content = raw.toString('latin1');
    }
    for (const [, hex, literal] of content.matchAll(/(?:<([0-9A-Fa-f\s]*)>|\(((?:\\.|[^\\)])*)\))\s*Tj/g)) {
      shown.push(
        hex !== undefined
          ? Buffer.from(hex.replace(/\s/g, ''), 'hex').toString('latin1')
          : unescapeLiteral(literal ?? ''),
      );
    }
    starts.lastIndex = end + 'endstream'.length;
  }
  return shown;
}

function unescapeLiteral(value: string): string {
  return value.replace(/\\([nrtbf()\\]|[0-7]{1,3})/g, (_, code: string) => {
    const named: Record<string, string> = {
      n: '\n',
      r: '\r',
      t: '\t',
      b: '\b',
      f: '\f',
      '(': '(',
      ')': ')',
      '\\': '\\',
    };
    return named[code] ?? String.fromCharCode(Number.parseInt(code, 8));
  });
}
