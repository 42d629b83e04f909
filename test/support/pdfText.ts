import { PDFDocument, PDFRawStream, decodePDFRawStream } from 'pdf-lib'

/** The strings a PDF draws (pdf-lib writes standard-font text as hex strings in its content streams). */
export async function pdfTexts(file: Uint8Array | PDFDocument): Promise<string[]> {
  const pdf = file instanceof PDFDocument ? file : await PDFDocument.load(file)
  const texts: string[] = []
  for (const [, object] of pdf.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFRawStream)) continue
    const content = Buffer.from(decodePDFRawStream(object).decode()).toString('latin1')
    for (const m of content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) texts.push(Buffer.from(m[1] as string, 'hex').toString('latin1'))
  }
  return texts
}
