/** A one-line progress bar redrawn in place on a terminal (stderr, so stdout stays clean for --json). */
export function progressBar(write: (s: string) => void, width = 30) {
  return {
    update(step: number, total: number, label = 'denoising') {
      const filled = Math.round((step / total) * width)
      write(`\r${label} [${'█'.repeat(filled)}${'·'.repeat(width - filled)}] ${step}/${total}`)
    },
    done() {
      write('\r\x1b[2K')
    },
  }
}
