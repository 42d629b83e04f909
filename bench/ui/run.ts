/**
 * `npm run bench:ui`: the canvas (pan/zoom frame times with 30 layers of 1024², node switching) and
 * the history panel (1,000 nodes against 20), each measured in Chromium against the real web host.
 * `--only canvas` or `--only history` runs one of them.
 */
import { measureCanvas, printCanvas } from './canvasBench'
import { measureHistory, printHistory } from './historyBench'

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null

if (only === null || only === 'canvas') {
  console.log('## Canvas\n')
  // The empty scene is the baseline measured in the same run, so the 30-layer cost stands out.
  printCanvas([await measureCanvas(0), await measureCanvas(30)])
}
if (only === null || only === 'history') {
  console.log('\n## History panel\n')
  printHistory(await measureHistory(20), await measureHistory(1000))
}
