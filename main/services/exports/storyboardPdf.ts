/** The storyboard as a PDF contact sheet: six frames per landscape A4 page with title, notes and duration. */
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib'
import type { ImageService } from '../imageWorker'
import type { FrameImage } from './storyboardFrames'

const PAGE = { width: 842, height: 595 } // A4 landscape, points
const MARGIN = 36
const COLS = 3
const ROWS = 2
export const FRAMES_PER_PAGE = COLS * ROWS
/**
 * A cell is about 250 pt wide; 2048 px is over 600 dpi there. pdf-lib decodes a PNG whole in
 * JavaScript, so a 16384² frame is downscaled first (by the image worker) instead of taking gigabytes.
 */
const MAX_FRAME_SIDE = 2048

/** WinAnsi fonts cannot draw every character; keep what they can so a title never aborts the export. */
const printable = (text: string): string => text.replace(/[^\x20-\x7e\u00a0-\u00ff]/g, '?')

function wrap(text: string, maxChars: number, maxLines: number): string[] {
  const words = printable(text).split(/\s+/).filter(Boolean)
  const lines: string[] = []
  let line = ''
  for (const word of words) {
    if ((line + ' ' + word).trim().length > maxChars) {
      lines.push(line)
      line = word
    } else line = (line + ' ' + word).trim()
  }
  if (line) lines.push(line)
  return lines.length > maxLines ? [...lines.slice(0, maxLines - 1), `${lines[maxLines - 1]}…`.replace('…', '...')] : lines
}

export async function storyboardPdf(images: ImageService, projectName: string, frames: readonly FrameImage[]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create()
  pdf.setTitle(`${projectName} — storyboard`)
  pdf.setCreator('Kontext Studio')
  const font = await pdf.embedFont(StandardFonts.Helvetica)
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold)
  const cellW = (PAGE.width - 2 * MARGIN) / COLS
  const cellH = (PAGE.height - 2 * MARGIN - 20) / ROWS
  const pages = Math.ceil(frames.length / FRAMES_PER_PAGE)
  for (let p = 0; p < pages; p++) {
    const page = pdf.addPage([PAGE.width, PAGE.height])
    page.drawText(printable(`${projectName} - storyboard - page ${p + 1} of ${pages}`), {
      x: MARGIN,
      y: PAGE.height - MARGIN,
      size: 10,
      font: bold,
    })
    for (let k = 0; k < FRAMES_PER_PAGE; k++) {
      const index = p * FRAMES_PER_PAGE + k
      const frame = frames[index]
      if (!frame) break
      const x = MARGIN + (k % COLS) * cellW
      const top = PAGE.height - MARGIN - 20 - Math.floor(k / COLS) * cellH
      const image = await pdf.embedPng(await images.fitPng(frame.png, MAX_FRAME_SIDE))
      const box = { w: cellW - 12, h: cellH - 64 }
      const scale = Math.min(box.w / frame.width, box.h / frame.height)
      const w = frame.width * scale
      const h = frame.height * scale
      page.drawRectangle({ x, y: top - box.h, width: box.w, height: box.h, color: rgb(0.93, 0.93, 0.93) })
      page.drawImage(image, { x: x + (box.w - w) / 2, y: top - box.h + (box.h - h) / 2, width: w, height: h })
      page.drawText(printable(`${index + 1}. ${frame.title}`).slice(0, 48), { x, y: top - box.h - 14, size: 10, font: bold })
      page.drawText(`${(frame.durationMs / 1000).toFixed(1)} s`, { x: x + box.w - 30, y: top - box.h - 14, size: 9, font })
      // The instruction that made the shot, then the director's notes, as many lines as fit.
      const lines = [...(frame.instruction ? wrap(`“${frame.instruction}”`, 52, 2) : []), ...wrap(frame.notes, 52, 3)].slice(0, 4)
      lines.forEach((line, i) => page.drawText(line, { x, y: top - box.h - 28 - i * 11, size: 8, font, color: rgb(0.25, 0.25, 0.25) }))
    }
  }
  return pdf.save()
}
