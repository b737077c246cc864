/**
 * `@yolokit/core/internal`: helpers yolokit's own packages share (the CLI, the queue, the server). Not part of
 * the public API: no semver promise, left out of the API reference; applications should not import it.
 *
 * @internal
 * @packageDocumentation
 */
// Everything a browser can load too (internal.browser.ts); the Node-only helpers follow.
export * from './internal.browser.js';
export { bareHostname, checkHost, type HostCheck, type HostCheckOptions, type HostLookup, isPrivateAddress, namesAddress } from './host-address.js';
