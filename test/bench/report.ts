/** The printed table and the markdown of the latest figures (the README's Performance section is built from it). */

export type Cell = string | number;

export function table(title: string, headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map(String));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...text.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [`\n${title}`, line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...text.map(line)].join(
    '\n',
  );
}

export function markdown(title: string, headers: string[], rows: Cell[][]): string {
  const line = (cells: Cell[]) => `| ${cells.map(String).join(' | ')} |`;
  return [
    `**${title}**`,
    '',
    line(headers),
    line(headers.map((_, column) => (column === 0 ? '---' : '---:'))),
    ...rows.map(line),
    '',
  ].join('\n');
}

export const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
