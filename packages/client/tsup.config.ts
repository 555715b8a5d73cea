import { packageBuild } from '../../tsup.base';

// The protocol types come from @roomlog/core (a devDependency, imported for types only); inlining
// them into the .d.ts means browser apps install the client without the server package. They are
// inlined from core's sources: core's own declarations are split into chunks per entry point,
// which the inliner would reference instead of copying.
export default packageBuild({
  dts: { resolve: ['@roomlog/core'], compilerOptions: { baseUrl: '.', paths: { '@roomlog/core': ['../core/src/index.ts'] } } },
});
