/**
 * `npm run bench:ui`: the canvas (pan/zoom frame times with 30 layers of 1024², node switching) and
 * the history panel (1,000 nodes against 20), each measured in Chromium against the real web host.
 * `--only canvas` or `--only history` runs one of them.
 */
import { measureCanvas, printCanvas } from './canvasBench'
import { measureHistory } from './historyBench'

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null

if (only === null || only === 'canvas') {
  console.log('## Canvas\n')
  // The empty scene is the baseline measured in the same run, so the 30-layer cost stands out.
  printCanvas([await measureCanvas(0), await measureCanvas(30)])
}
if (only === null || only === 'history') {
  console.log('\n## History panel\n')
  const baseline = await measureHistory(20)
  const big = await measureHistory(1000)
  const row = (f: typeof big) => `| ${f.nodes} | ${f.firstRenderMs} | ${f.scrollFrameMedianMs.toFixed(1)} | ${f.scrollFrameP95Ms.toFixed(1)} | ${f.graphRenderMs} |`
  console.log('| nodes | open → history shown (ms) | scroll frame median (ms) | scroll frame p95 (ms) | graph view shown (ms) |')
  console.log('|---:|---:|---:|---:|---:|')
  console.log(row(baseline))
  console.log(row(big))
}
