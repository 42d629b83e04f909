/** The studio for one test file: the web host on its project, Debian's Chromium, and a loaded page. */
import { rmSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser } from './browser'
import { startStudioServer, type StudioServer } from './studioServer'

export interface StudioPage {
  readonly browser: Browser
  readonly server: StudioServer
  readonly page: Page
}

export async function openStudioPage(
  projectPath: string,
  options: { viewport?: { width: number; height: number }; acceptDownloads?: boolean; beforeLoad?: (page: Page) => void } = {},
): Promise<StudioPage> {
  const browser = await launchBrowser()
  const server = await startStudioServer(projectPath)
  const page = await browser.newPage({
    viewport: options.viewport ?? { width: 1400, height: 900 },
    acceptDownloads: options.acceptDownloads ?? true,
  })
  options.beforeLoad?.(page)
  await page.goto(server.url)
  await page.getByLabel('Status bar').waitFor()
  return { browser, server, page }
}

/** Closes the browser and the host (whichever server the file ended with) and removes the folder. */
export async function closeStudioPage(browser: Browser | undefined, server: StudioServer | undefined, dir: string): Promise<void> {
  await browser?.close()
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
}
