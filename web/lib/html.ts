import { h, type VNode } from 'preact';
import htmModule from 'htm';

// htm ships CommonJS types; esbuild resolves its ESM build, whose default export is `htm` itself.
const htm = htmModule as unknown as {
  bind(hyperscript: typeof h): (strings: TemplateStringsArray, ...values: unknown[]) => VNode;
};

/** Tagged templates for Preact: no JSX step, esbuild bundles it as plain TypeScript. */
export const html = htm.bind(h);
