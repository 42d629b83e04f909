import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { connectStudio } from './api/connect'
import { toErrorData } from '../../core/result'
import { useProjectStore } from './stores/project'
import './styles/theme.css'

async function start(): Promise<void> {
  const app = createApp(App)
  app.use(createPinia())
  const api = await connectStudio()
  await useProjectStore().connect(api)
  app.mount('#app')
}

/** Without a project there is no studio to show: say why and what to do instead of a blank window. */
function showStartFailure(caught: unknown): void {
  const error = toErrorData(caught)
  const box = document.createElement('div')
  box.className = 'start-failure'
  box.setAttribute('role', 'alert')
  const title = document.createElement('strong')
  title.textContent = `Kontext Studio could not open the project: ${error.message}`
  const hint = document.createElement('p')
  hint.textContent = error.hint ?? 'Check that the studio host is running (`npm run serve`), then reload this page.'
  const retry = document.createElement('button')
  retry.textContent = 'Reload'
  retry.setAttribute('aria-label', 'Reload the studio')
  retry.addEventListener('click', () => location.reload())
  box.append(title, hint, retry)
  document.getElementById('app')?.replaceChildren(box)
}

start().catch(showStartFailure)
