/**
 * The canvas's keyboard shortcuts as data: the help overlay lists this table and the key handler
 * reads it, so the two can never disagree.
 */
export type ShortcutAction =
  | 'undo'
  | 'redo'
  | 'fit'
  | 'actualSize'
  | 'zoomIn'
  | 'zoomOut'
  | 'moveTool'
  | 'brushTool'
  | 'eraserTool'
  | 'lassoTool'
  | 'nudge'
  | 'deleteLayer'
  | 'duplicateLayer'
  | 'toggleVisible'
  | 'compare'
  | 'export'
  | 'help'
  | 'deselect'
  | 'brushSmaller'
  | 'brushLarger'

export interface Shortcut {
  readonly action: ShortcutAction
  /** What the help overlay shows. */
  readonly keys: string
  readonly label: string
  readonly match: (e: KeyboardEvent) => boolean
}

const mod = (e: KeyboardEvent): boolean => e.ctrlKey || e.metaKey
const plain = (e: KeyboardEvent, key: string): boolean => !mod(e) && !e.altKey && e.key.toLowerCase() === key

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'undo', keys: 'Ctrl+Z', label: 'Undo a layer edit', match: (e) => mod(e) && !e.shiftKey && e.key.toLowerCase() === 'z' },
  {
    action: 'redo',
    keys: 'Ctrl+Shift+Z / Ctrl+Y',
    label: 'Redo a layer edit',
    match: (e) => mod(e) && ((e.shiftKey && e.key.toLowerCase() === 'z') || e.key.toLowerCase() === 'y'),
  },
  { action: 'fit', keys: 'F', label: 'Fit the image in the window', match: (e) => plain(e, 'f') },
  { action: 'actualSize', keys: '1', label: 'Zoom to 100%', match: (e) => plain(e, '1') },
  { action: 'zoomIn', keys: '+', label: 'Zoom in', match: (e) => !mod(e) && (e.key === '+' || e.key === '=') },
  { action: 'zoomOut', keys: '−', label: 'Zoom out', match: (e) => !mod(e) && e.key === '-' },
  { action: 'moveTool', keys: 'V', label: 'Move tool: select, drag, scale, rotate', match: (e) => plain(e, 'v') },
  { action: 'brushTool', keys: 'B', label: 'Brush on the selected paint or mask layer', match: (e) => plain(e, 'b') },
  { action: 'eraserTool', keys: 'E', label: 'Eraser', match: (e) => plain(e, 'e') },
  { action: 'lassoTool', keys: 'L', label: 'Lasso: outline a region to fill on the selected mask', match: (e) => plain(e, 'l') },
  { action: 'brushSmaller', keys: '[', label: 'Smaller brush', match: (e) => !mod(e) && e.key === '[' },
  { action: 'brushLarger', keys: ']', label: 'Larger brush', match: (e) => !mod(e) && e.key === ']' },
  {
    action: 'nudge',
    keys: '← ↑ → ↓',
    label: 'Nudge the selected layer 1 px (Shift: 10 px)',
    match: (e) => !mod(e) && e.key.startsWith('Arrow'),
  },
  {
    action: 'deleteLayer',
    keys: 'Delete',
    label: 'Delete the selected layer',
    match: (e) => !mod(e) && (e.key === 'Delete' || e.key === 'Backspace'),
  },
  { action: 'duplicateLayer', keys: 'Ctrl+J', label: 'Duplicate the selected layer', match: (e) => mod(e) && e.key.toLowerCase() === 'j' },
  { action: 'toggleVisible', keys: 'H', label: 'Hide or show the selected layer', match: (e) => plain(e, 'h') },
  {
    action: 'deselect',
    keys: 'Esc',
    label: 'Deselect the layer, then the node (the next prompt makes a new image)',
    match: (e) => e.key === 'Escape',
  },
  { action: 'compare', keys: 'C', label: 'Compare with the parent', match: (e) => plain(e, 'c') },
  {
    action: 'export',
    keys: 'Ctrl+Shift+E',
    label: 'Export the current image',
    match: (e) => mod(e) && e.shiftKey && e.key.toLowerCase() === 'e',
  },
  { action: 'help', keys: '?', label: 'Show these shortcuts', match: (e) => e.key === '?' },
]

/** The document-pixel step an arrow key moves a layer by. */
export function nudgeOf(e: KeyboardEvent): { dx: number; dy: number } {
  const step = e.shiftKey ? 10 : 1
  const dirs: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }
  const [x, y] = dirs[e.key] ?? [0, 0]
  return { dx: x * step, dy: y * step }
}

/** Keys typed into a field belong to the field. */
export function isTyping(target: EventTarget | null): boolean {
  return (
    typeof HTMLElement !== 'undefined' &&
    target instanceof HTMLElement &&
    (['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.isContentEditable)
  )
}

/**
 * Arrows and Delete mean something to whatever list or tree has focus (the history deletes a
 * branch), so the canvas takes them only from the page itself or from inside the canvas.
 */
const CONTEXTUAL: ReadonlySet<ShortcutAction> = new Set(['nudge', 'deleteLayer'])

function canvasHasFocus(target: EventTarget | null): boolean {
  return (
    typeof HTMLElement === 'undefined' ||
    !(target instanceof HTMLElement) ||
    target === document.body ||
    !!target.closest('[aria-label="Canvas"]')
  )
}

export function shortcutFor(e: KeyboardEvent): ShortcutAction | null {
  // A focused widget that handled the key (the history tree's arrows) keeps it.
  if (e.defaultPrevented || isTyping(e.target)) return null
  const action = SHORTCUTS.find((s) => s.match(e))?.action ?? null
  return action && CONTEXTUAL.has(action) && !canvasHasFocus(e.target) ? null : action
}
