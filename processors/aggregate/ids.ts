/** Event ids of rollup windows live with the others in pipeline/ids.ts (see docs/event-ids.md). */
export { rollupWindowEventId } from '../../pipeline/ids.js';
