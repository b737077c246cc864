/** The ids of the conformance checks, read from `@yolokit/core/conformance` itself at build time. */
import { CONFORMANCE_CHECKS } from '@yolokit/core/conformance';
import { defineLoader } from 'vitepress';

declare const data: readonly string[];
export { data };

export default defineLoader({
  load: (): readonly string[] => [...CONFORMANCE_CHECKS],
});
