/** Storyboard and re-run requests: mint ids, call the pure action, commit, start the queue. */
import type { RequestResults, ValidParams } from '../../core/contract/api'
import { acceptCandidate, applyToFrames, discardCandidate } from '../../core/domain/frameReview'
import { asFrameId, asJobId, asNodeId } from '../../core/ids'
import { StudioError, studioError } from '../../core/result'
import { rerunBranch, rerunWithSeed } from '../../core/domain/rerun'
import { insertFrame, moveFrame, nextShot, removeFrame, sizeForAspect, updateFrame } from '../../core/domain/storyboard'
import { pathToRoot } from '../../core/domain/historyTree'
import type { HostClock } from './clock'
import type { JobRunner } from './jobRunner'
import type { ProjectSession } from './projectSession'
import { resolveSampling } from './sampling'

export class StoryboardService {
  constructor(
    private readonly session: ProjectSession,
    private readonly clock: HostClock,
    private readonly jobs: JobRunner,
  ) {}

  private get state() {
    return this.session.snapshot()
  }

  addFrame(p: ValidParams<'addFrame'>): RequestResults['addFrame'] {
    const frameId = asFrameId(this.clock.newId())
    this.session.apply(
      insertFrame(this.state, {
        frameId,
        nodeId: p.nodeId,
        ...(p.index !== undefined ? { index: p.index } : {}),
        ...(p.title ? { title: p.title } : {}),
        at: this.clock.now(),
      }),
    )
    return { frameId }
  }

  moveFrame(p: ValidParams<'moveFrame'>): void {
    this.session.apply(moveFrame(this.state, { ...p, at: this.clock.now() }))
  }

  updateFrame(p: ValidParams<'updateFrame'>): void {
    const { frameId, ...rest } = p
    const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined))
    this.session.apply(updateFrame(this.state, { frameId, ...defined, at: this.clock.now() }))
  }

  removeFrame(p: ValidParams<'removeFrame'>): void {
    this.session.apply(removeFrame(this.state, { ...p, at: this.clock.now() }))
  }

  nextShot(p: ValidParams<'nextShot'>): RequestResults['nextShot'] {
    const previous = this.state.frames[p.afterFrameId]
    const previousNode = previous ? this.state.nodes[previous.nodeId] : undefined
    const size = previousNode?.resultBlob ? this.state.blobs[previousNode.resultBlob] : undefined
    const sampling = resolveSampling(this.state.project.settings, p, this.clock)
    const base = {
      width: size?.width ?? previousNode?.params?.width ?? 1024,
      height: size?.height ?? previousNode?.params?.height ?? 1024,
    }
    const params = { ...sampling, ...(p.aspect ? sizeForAspect(base, p.aspect) : base) }
    const ids = { frameId: asFrameId(this.clock.newId()), nodeId: asNodeId(this.clock.newId()), jobId: asJobId(this.clock.newId()) }
    this.session.apply(
      nextShot(this.state, {
        afterFrameId: p.afterFrameId,
        ...ids,
        prompt: p.prompt,
        params,
        pinnedFrameIds: p.pinnedFrameIds,
        at: this.clock.now(),
      }),
    )
    void this.jobs.kick()
    return ids
  }

  applyToFrames(p: ValidParams<'applyToFrames'>): RequestResults['applyToFrames'] {
    const params = resolveSampling(this.state.project.settings, p, this.clock)
    const targets = p.frameIds.map((frameId) => ({ frameId, nodeId: asNodeId(this.clock.newId()), jobId: asJobId(this.clock.newId()) }))
    this.session.apply(applyToFrames(this.state, { prompt: p.prompt, params, targets, at: this.clock.now() }))
    void this.jobs.kick()
    return { nodeIds: targets.map((t) => t.nodeId) }
  }

  acceptCandidate(p: ValidParams<'acceptCandidate'>): void {
    this.session.apply(acceptCandidate(this.state, { ...p, at: this.clock.now() }))
  }

  discardCandidate(p: ValidParams<'discardCandidate'>): void {
    this.session.apply(discardCandidate(this.state, { ...p, at: this.clock.now() }))
  }

  rerunWithSeed(p: ValidParams<'rerunWithSeed'>): RequestResults['rerunWithSeed'] {
    const ids = { newNodeId: asNodeId(this.clock.newId()), jobId: asJobId(this.clock.newId()) }
    this.session.apply(rerunWithSeed(this.state, { nodeId: p.nodeId, ...ids, seed: p.seed ?? this.clock.newSeed(), at: this.clock.now() }))
    void this.jobs.kick()
    return { nodeId: ids.newNodeId, jobId: ids.jobId }
  }

  rerunBranch(p: ValidParams<'rerunBranch'>): RequestResults['rerunBranch'] {
    const path = pathToRoot(this.state.nodes, p.leafId)
    const start = path.findIndex((n) => n.id === p.fromAncestorId)
    if (start < 0) throw new StudioError(studioError('branch.notAncestor', 'The chosen start is not an ancestor of that node.'))
    const ids = path.slice(start + 1).map(() => ({ nodeId: asNodeId(this.clock.newId()), jobId: asJobId(this.clock.newId()) }))
    this.session.apply(rerunBranch(this.state, { ...p, ids, at: this.clock.now() }))
    void this.jobs.kick()
    return { nodeIds: ids.map((i) => i.nodeId) }
  }
}
