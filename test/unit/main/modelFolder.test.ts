/**
 * One models folder: what the Models page stores (ModelService's store, downloads and linked
 * folders) is where the engine is told to look (modelDirs), both from `modelStoreDir` under the
 * studio's home — the desktop once looked in Electron's userData instead and never saw them.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { linkFolder } from '../../../engine/models/linkFolder'
import { ModelService } from '../../../main/services/modelService'
import { findAppRoot, modelDirs, modelStoreDir } from '../../../main/services/paths'
import { writeOfficialRelease } from '../../support/fluxFolders'
import type { EngineLike } from '../../../main/services/engineLike'

const saved = process.env.KONTEXT_STUDIO_HOME
const made: string[] = []
afterEach(() => {
  if (saved === undefined) delete process.env.KONTEXT_STUDIO_HOME
  else process.env.KONTEXT_STUDIO_HOME = saved
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('the models folder', () => {
  it('is <studio home>/models, and the studio home follows KONTEXT_STUDIO_HOME', () => {
    const home = mkdtempSync(join(tmpdir(), 'kstudio-home-'))
    made.push(home)
    process.env.KONTEXT_STUDIO_HOME = home
    expect(modelStoreDir()).toBe(join(home, 'models'))
    expect(modelStoreDir('/elsewhere')).toBe(join('/elsewhere', 'models'))
  })

  it('a model linked through the Models page’s store is one the engine’s folder list finds', () => {
    const home = mkdtempSync(join(tmpdir(), 'kstudio-home-'))
    made.push(home)
    process.env.KONTEXT_STUDIO_HOME = home
    const service = new ModelService({} as EngineLike, () => undefined)
    expect(service.store.root).toBe(modelStoreDir())
    const folder = join(home, 'elsewhere', 'flux')
    mkdirSync(folder, { recursive: true })
    writeOfficialRelease(folder)
    linkFolder(service.store, 'my-flux', folder)
    const appRoot = findAppRoot()
    expect(modelDirs(appRoot)).toContain(service.store.dirOf('my-flux'))
  })
})
