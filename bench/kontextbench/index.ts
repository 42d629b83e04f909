/** KontextBench-mini in TypeScript: domain, seeded generation, renderer, classifier, scoring. */
export * from './domain'
export * from './rng'
export * from './generate'
export * from './render'
export * from './classify'
export * from './score'
export * from './heldOut'
