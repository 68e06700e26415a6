/**
 * The receipt as a one-page PDF (pdf-lib, the standard Helvetica fonts: no font files). Loaded lazily by
 * shared/usecases/receipt.ts, never on another route's cold path, and in the deployed functions built as a file of
 * its own next to the handler (lib/constructs/api-function.ts). The same receipt gives the same bytes: no metadata
 * dates, no random ids.
 */
import { PDFDocument, type PDFFont, rgb, StandardFonts } from 'pdf-lib';

/** What a receipt shows, already formatted: the renderer only lays it out. */
export interface ReceiptContent {
  issuer: { name: string; address: readonly string[] };
  receiptNumber: string;
  /** Label/value rows, in order. */
  rows: ReadonlyArray<readonly [string, string]>;
  /** A stamp across the page (RETURNED), when there is one. */
  stamp?: string;
  footer: string;
}

/** US Letter, in points. */
const PAGE = { width: 612, height: 792 };
const MARGIN = 56;

export async function renderReceipt(content: ReceiptContent): Promise<Uint8Array> {
  // updateMetadata: false keeps pdf-lib from stamping the producer and the current time: same input, same bytes.
  const pdf = await PDFDocument.create({ updateMetadata: false });
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const page = pdf.addPage([PAGE.width, PAGE.height]);
  const text = (value: string, x: number, y: number, size: number, font = regular) =>
    page.drawText(winAnsi(font, value), { x, y, size, font, color: rgb(0.1, 0.1, 0.1) });

  let y = PAGE.height - MARGIN - 20;
  text(content.issuer.name, MARGIN, y, 16, bold);
  for (const line of content.issuer.address) text(line, MARGIN, (y -= 15), 10);
  text('Payout receipt', PAGE.width - MARGIN - 150, PAGE.height - MARGIN - 20, 16, bold);
  text(content.receiptNumber, PAGE.width - MARGIN - 150, PAGE.height - MARGIN - 38, 11);

  y -= 50;
  page.drawLine({
    start: { x: MARGIN, y },
    end: { x: PAGE.width - MARGIN, y },
    thickness: 0.5,
    color: rgb(0.6, 0.6, 0.6),
  });
  y -= 30;
  for (const [label, value] of content.rows) {
    text(label, MARGIN, y, 11, bold);
    text(value, MARGIN + 170, y, 11);
    y -= 22;
  }
  if (content.stamp) {
    page.drawText(winAnsi(bold, content.stamp), {
      x: MARGIN + 120,
      y: 300,
      size: 64,
      font: bold,
      color: rgb(0.75, 0.1, 0.1),
      opacity: 0.6,
    });
  }
  text(content.footer, MARGIN, MARGIN, 8);
  return pdf.save({ useObjectStreams: false });
}

/**
 * Text Helvetica can encode (WinAnsi): accents a font lacks are dropped to their base letter, anything else becomes
 * '?'. pdf-lib would throw on "Ł" or "→" instead.
 */
export function winAnsi(font: PDFFont, value: string): string {
  const known = charsetOf(font);
  let out = '';
  for (const char of value) {
    if (known.has(char.codePointAt(0) as number)) out += char;
    else {
      const base = char.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      out += base !== '' && [...base].every((c) => known.has(c.codePointAt(0) as number)) ? base : '?';
    }
  }
  return out;
}

const charsets = new WeakMap<PDFFont, Set<number>>();
function charsetOf(font: PDFFont): Set<number> {
  let set = charsets.get(font);
  if (!set) charsets.set(font, (set = new Set(font.getCharacterSet())));
  return set;
}
