import { packageBuild } from '../../tsup.base';

// The protocol types come from @roomlog/core (a devDependency, imported for types only); inlining
// them into the .d.ts means browser apps install the client without the server package.
export default packageBuild({ dts: { resolve: ['@roomlog/core'] } });
