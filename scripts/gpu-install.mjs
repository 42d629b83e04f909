// `npm run gpu:install`: fetches onnxruntime-node's CUDA 12 execution provider (Linux x64 only;
// Windows uses DirectML, which ships in the package). The normal install skips it (.npmrc) so
// that installs work offline; this runs onnxruntime-node's own installer with the flag set.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `Nothing to install: the CUDA provider is published for Linux x64 only; on ${process.platform}/${process.arch} the studio uses ${process.platform === 'win32' ? 'DirectML' : 'WebGPU or CoreML'} and the CPU, which ship with the package.`,
  )
  process.exit(0)
}
const ortDir = dirname(require.resolve('onnxruntime-node/package.json'))
const binDir = join(ortDir, 'bin', 'napi-v6', 'linux', 'x64')
const cudaLib = join(binDir, 'libonnxruntime_providers_cuda.so')
if (existsSync(cudaLib)) {
  console.log(`The CUDA execution provider is already installed (${cudaLib}).`)
  process.exit(0)
}
console.log('Downloading the CUDA 12 execution provider for onnxruntime-node (about 300 MB)…')
const run = spawnSync(process.execPath, [join(ortDir, 'script', 'install.js')], {
  cwd: ortDir,
  stdio: 'inherit',
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12', npm_config_onnxruntime_node_install: 'cuda12' },
})
if (run.status !== 0 || !existsSync(cudaLib)) {
  console.error(
    'The CUDA provider could not be installed (no network, or the download was refused). The studio keeps running on WebGPU or the CPU; run `npm run gpu:install` again when online. CUDA 12 and cuDNN 9 must also be installed on this machine.',
  )
  process.exit(1)
}
console.log(
  `Installed the CUDA execution provider in ${binDir}. Start the studio with --provider cuda, or let it pick CUDA first by default.`,
)
