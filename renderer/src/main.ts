import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { connectStudio } from './api/connect'
import { useProjectStore } from './stores/project'
import './styles/theme.css'

async function start(): Promise<void> {
  const app = createApp(App)
  app.use(createPinia())
  const api = await connectStudio()
  await useProjectStore().connect(api)
  app.mount('#app')
}

void start()
